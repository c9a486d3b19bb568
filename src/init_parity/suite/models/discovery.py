"""Every encoder-decoder model type of the installed transformers, from its auto mappings.

A model type is encoder-decoder when its default config says ``is_encoder_decoder``. Composite
types (``encoder-decoder`` and its speech / vision kin) have no default config and no weights of
their own: they are listed in :data:`COMPOSITES` with that reason.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass, field
from typing import Any

from ...scheme.heads import auto_mapping
from ..frameworks import installed
from .offline import hub_offline

# The auto mappings searched for a model type's class, in order of preference: a class with an LM
# head first (it holds every tensor of the base model plus the head), the base model last.
_STEMS = ("MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM", "MODEL_FOR_SPEECH_SEQ_2_SEQ", "MODEL_FOR_VISION_2_SEQ", "MODEL_MAPPING")

COMPOSITES = {
    "encoder-decoder": "composite of two other models: its weights are theirs",
    "speech-encoder-decoder": "composite of two other models: its weights are theirs",
    "vision-encoder-decoder": "composite of two other models: its weights are theirs",
}


REQUIRES = {"deta": ("torchvision", "DetaModel calls requires_backends(self, ['torchvision']) when built")}
"""Model types whose PyTorch class needs a package outside the suite's ``[testing]`` extra: the package and
what fails without it. (torchvision is not installable beside torch 2.13.0 here: PyPI's wheel does not import.)"""


@dataclass(frozen=True)
class ModelFamily:
    """One model type and the class that represents it in each framework where it exists."""

    model_type: str
    classes: dict[str, str] = field(default_factory=dict)  # framework -> class name

    @property
    def frameworks(self) -> tuple[str, ...]:
        return tuple(self.classes)


def _class_name(framework: str, model_type: str) -> str | None:
    for stem in _STEMS:
        name = auto_mapping(framework, stem).get(model_type)
        if isinstance(name, (tuple, list)):
            name = name[0]
        if name:
            return name
    return None


def exported(name: str) -> bool:
    """Whether transformers exports the class ``name``, read from its lazy module's tables so that
    neither the modelling module nor its framework is imported (``hasattr`` would import both)."""
    import transformers

    table = getattr(transformers, "_class_to_module", None)
    if isinstance(table, dict):
        return name in table and name not in getattr(transformers, "_object_missing_backend", {})
    return hasattr(transformers, name)


def _default_config(model_type: str) -> Any | None:
    """``model_type``'s default config, built with the Hub offline; None where it cannot be built by
    default (not ours to judge)."""
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    try:
        return CONFIG_MAPPING[model_type]()
    except Exception:  # noqa: BLE001 - a config that cannot be built by default is not ours to judge
        return None


@contextlib.contextmanager
def _reading_default_configs():
    """Default configs are built quietly (on 5.x they warn about their own token ids: not ours to
    report) and without the Hub (some fetch a backbone's config)."""
    import transformers.utils.hub  # noqa: F401 - its offline switch is set by hub_offline
    from transformers.utils import logging

    verbosity = logging.get_verbosity()
    logging.set_verbosity_error()
    try:
        with hub_offline():
            yield
    finally:
        logging.set_verbosity(verbosity)


def _is_encoder_decoder(model_type: str) -> bool:
    if model_type in COMPOSITES:
        return False
    return bool(getattr(_default_config(model_type), "is_encoder_decoder", False))


@functools.cache
def encoder_decoder_model_types() -> tuple[str, ...]:
    """Model types whose default config is an encoder-decoder."""
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    with _reading_default_configs():
        return tuple(model_type for model_type in CONFIG_MAPPING_NAMES if _is_encoder_decoder(model_type))


def _family(model_type: str, frameworks: tuple[str, ...]) -> ModelFamily:
    classes = {}
    for framework in frameworks:
        name = _class_name(framework, model_type)
        if name and exported(name):
            classes[framework] = name
    return ModelFamily(model_type, classes)


@functools.cache
def discover(frameworks: tuple[str, ...] | None = None) -> tuple[ModelFamily, ...]:
    """Every encoder-decoder model type with its class in each installed framework."""
    frameworks = frameworks or installed()
    return tuple(_family(model_type, frameworks) for model_type in encoder_decoder_model_types())


def is_encoder_decoder(model_type: str) -> bool:
    """Whether ``model_type`` is one of transformers' and its default config an encoder-decoder:
    builds that config alone."""
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    with _reading_default_configs():
        return model_type in CONFIG_MAPPING_NAMES and _is_encoder_decoder(model_type)


@functools.cache
def family(model_type: str, frameworks: tuple[str, ...] | None = None) -> ModelFamily:
    """``model_type`` with its class in each of ``frameworks`` (default: the installed ones). Only its
    own default config is built (:func:`discover` builds every model type's, seconds of work); a
    model type that is not an encoder-decoder is a KeyError listing the ones that are."""
    if not is_encoder_decoder(model_type):
        names = ", ".join(encoder_decoder_model_types())
        raise KeyError(f"{model_type!r} is not an encoder-decoder model type of this transformers. Known: {names}")
    return _family(model_type, frameworks or installed())


def missing_dependency(found: ModelFamily) -> str | None:
    """Why ``found`` cannot be built here (a package it needs is not installed), or None."""
    import importlib.util

    needed = REQUIRES.get(found.model_type)
    if needed is None or importlib.util.find_spec(needed[0]) is not None:
        return None
    return f"needs {needed[0]}, which is not installed: {needed[1]} (ImportError)"
