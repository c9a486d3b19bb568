"""Where the appliers go: which transformers releases, modules, classes and methods each framework patches.

Derived from the scheme data: every ``model_type`` a family scheme covers names its modelling
modules, one per framework, by transformers' file naming. transformers 4.57.6 (the last release
with TensorFlow and Flax) gets the three frameworks; the 5.23.x line is PyTorch only, and there the
T5 family's configurations are patched too, so that ``tie_word_embeddings=False`` is kept
(:mod:`init_parity.runtime.untie`).
"""

from __future__ import annotations

import functools
import importlib.metadata
import re
import sys
from dataclasses import dataclass

SUPPORTED_TRANSFORMERS = ("4.57.6", "5.23.x")  # an ``x`` matches any patch release of that line
UNTIED_CONFIG_FAMILIES = ("t5",)  # families whose 5.x configurations force the tie (untie.py)


@dataclass(frozen=True)
class Target:
    framework: str  # "pt", "tf", "flax", or "config" (a configuration class, patched on 5.x)
    base_class: str  # the transformers base class whose subclasses are patched
    method: str  # the method replaced on each subclass that defines it
    module_prefix: str  # file prefix: modeling_, modeling_tf_, configuration_ ...


PT = Target("pt", "PreTrainedModel", "_init_weights", "modeling_")
TF = Target("tf", "TFPreTrainedModel", "build", "modeling_tf_")
FLAX = Target("flax", "FlaxPreTrainedModel", "init_weights", "modeling_flax_")
CONFIG = Target("config", "PreTrainedConfig", "__post_init__", "configuration_")

TARGETS = {"4": (PT, TF, FLAX), "5": (PT, CONFIG)}  # by transformers' major version


def transformers_version() -> str | None:
    """The version of the transformers being imported, or installed; None without transformers."""
    version = getattr(sys.modules.get("transformers"), "__version__", None)
    if version:
        return version
    try:
        return importlib.metadata.version("transformers")
    except importlib.metadata.PackageNotFoundError:
        return None


def supported_release(version: str | None) -> str | None:
    """The entry of :data:`SUPPORTED_TRANSFORMERS` that ``version`` matches ("5.23.x" for 5.23.1), or None."""
    if not version:
        return None
    for supported in SUPPORTED_TRANSFORMERS:
        pattern = re.escape(supported).replace(r"\.x", r"\.\d+")
        if re.fullmatch(pattern, version):
            return supported
    return None


def is_supported(version: str | None) -> bool:
    """Whether ``version`` is one that :data:`SUPPORTED_TRANSFORMERS` names."""
    return supported_release(version) is not None


def major(version: str | None) -> str:
    """``"4"`` or ``"5"``: the release line; unknown versions count as the 4.x line."""
    return "5" if version and version.split(".")[0] == "5" else "4"


def frameworks_of(version: str | None) -> tuple[str, ...]:
    """The frameworks a transformers release has model classes for."""
    return tuple(target.framework for target in TARGETS[major(version)] if target is not CONFIG)


def module_names(version: str | None = None) -> dict[str, Target]:
    """Full module name -> target, for every model type with a scheme, on the line of ``version``
    (default: the transformers being imported)."""
    return _module_names(major(version or transformers_version()))


@functools.cache
def _module_names(line: str) -> dict[str, Target]:
    from ..scheme import FAMILIES

    names: dict[str, Target] = {}
    for scheme in FAMILIES.values():
        for model_type in scheme.model_types:
            folder = model_type.replace("-", "_")
            for target in TARGETS[line]:
                if target is CONFIG and scheme.family not in UNTIED_CONFIG_FAMILIES:
                    continue
                names[f"transformers.models.{folder}.{target.module_prefix}{folder}"] = target
    return names
