"""Output heads and their tie: the names a head and an input embedding have, which classes have an
LM head, and the one reader of a config's ``tie_word_embeddings``.

Which classes have a head is read from transformers' auto mappings (at call time: importing this
module imports no transformers); :func:`auto_mapping` is the one reader of those tables.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from .naming import AUTO_MODULES, MAPPING_PREFIXES, pytorch_class_name

HEAD_PATTERN = re.compile(r"(?:^|\.)(?:lm_head|proj_out|output_projection)\.weight$")
"""PyTorch names of the output heads of transformers' encoder-decoder LMs (``proj_out``: Whisper;
``output_projection``: FSMT)."""

INPUT_EMBEDDING_PATTERN = re.compile(r"(?:^|\.)(?:shared|decoder\.embed_tokens)\.weight$")
TOKEN_EMBEDDING_PATTERN = re.compile(r"(?:^|\.)(encoder|decoder)\.embed_tokens\.weight$")
"""The encoder's or decoder's token embedding; its group 1 says which."""

SEQ_TO_SEQ_LM = "MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM"
LM_STEMS = (SEQ_TO_SEQ_LM, "MODEL_FOR_CAUSAL_LM", "MODEL_FOR_SPEECH_SEQ_2_SEQ", "MODEL_FOR_VISION_2_SEQ")
"""The auto mappings whose classes have an output head."""


def auto_mapping(framework: str, stem: str) -> dict[str, Any]:
    """transformers' auto mapping ``stem`` (``MODEL_MAPPING``, ``MODEL_FOR_...``) of ``framework``:
    model type -> class name (or names); empty when that framework has no such mapping."""
    module = importlib.import_module(f"transformers.models.auto.{AUTO_MODULES[framework]}")
    prefix = MAPPING_PREFIXES[framework]
    name = f"{prefix}{stem}_NAMES" if stem.endswith("MAPPING") else f"{prefix}{stem}_MAPPING_NAMES"
    return getattr(module, name, {})


def _names(found: Any) -> tuple[str, ...]:
    return tuple(found) if isinstance(found, (tuple, list)) else (found,)


def has_lm_head(
    class_name: str, framework: str = "pt", model_type: str | None = None, stems: tuple[str, ...] = LM_STEMS
) -> bool:
    """Whether ``class_name`` is listed by one of the auto mappings ``stems`` of ``framework`` (under
    ``model_type`` only, when given). With ``framework="pt"`` a TensorFlow / Flax class counts by its
    PyTorch name."""
    wanted = pytorch_class_name(class_name) if framework == "pt" else class_name
    for stem in stems:
        mapping = auto_mapping(framework, stem)
        listed = [mapping.get(model_type)] if model_type is not None else mapping.values()
        if any(wanted in _names(names) for names in listed if names):
            return True
    return False


def tie_flag(config: Any, own: bool = False) -> bool:
    """The ``tie_word_embeddings`` that transformers' ``tie_weights`` reads: of
    ``config.get_text_config(decoder=True)`` where the config has one (some configs override it), True
    by default. ``own``: the config's own attribute, False by default (a family whose head is the
    decoder's embedding, FSMT, whose private decoder config holds a default)."""
    if own:
        return bool(getattr(config, "tie_word_embeddings", False))
    text = config.get_text_config(decoder=True) if hasattr(config, "get_text_config") else config
    return bool(getattr(text, "tie_word_embeddings", True))
