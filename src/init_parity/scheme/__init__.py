"""The initialisation scheme, as data: one :class:`FamilyScheme` per model family."""

from __future__ import annotations

from .audio import AUDIO_FAMILIES
from .bart import BART_LIKE_FAMILIES
from .bart_copies import BART_COPY_FAMILIES
from .detr import DETR_FAMILIES
from .distributions import Constant, Deterministic, Distribution, Normal, TruncatedNormal, Uniform
from .multimodal import MULTIMODAL_FAMILIES
from .rules import FamilyScheme, LeftToFramework, Rule
from .speech import SPEECH_FAMILIES
from .t5 import T5_FAMILY
from .time_series import TIME_SERIES_FAMILIES

FAMILIES: dict[str, FamilyScheme] = {
    scheme.family: scheme
    for scheme in (
        T5_FAMILY,
        *BART_LIKE_FAMILIES,
        *SPEECH_FAMILIES,
        *BART_COPY_FAMILIES,
        *AUDIO_FAMILIES,
        *MULTIMODAL_FAMILIES,
        *TIME_SERIES_FAMILIES,
        *DETR_FAMILIES,
    )
}


def scheme_for_model_type(model_type: str) -> FamilyScheme | None:
    """The scheme covering a config's ``model_type``, or None when the family has none yet."""
    for scheme in FAMILIES.values():
        if model_type in scheme.model_types:
            return scheme
    return None


__all__ = [
    "Constant",
    "Deterministic",
    "Distribution",
    "FAMILIES",
    "FamilyScheme",
    "LeftToFramework",
    "Normal",
    "Rule",
    "TruncatedNormal",
    "Uniform",
    "scheme_for_model_type",
]
