"""The initialisation scheme, as data: one :class:`FamilyScheme` per model family. The core every
other layer reads; it imports only :mod:`init_parity.compat`.

:mod:`.rules` and :mod:`.distributions` (a rule, a distribution), :mod:`.formula` (the formulas a rule
may use), one module per group of families (:mod:`.t5`, :mod:`.bart`, :mod:`.bart_copies`,
:mod:`.speech`, :mod:`.audio`, :mod:`.multimodal`, :mod:`.time_series`, :mod:`.detr`,
:mod:`.generic`), :mod:`.plan` (resolution: a config's family, a parameter's rule and distribution,
padding rows), :mod:`.heads` (output heads, the tie flag, the auto mappings), :mod:`.naming`
(framework names and layouts mapped onto PyTorch's) and :mod:`.docs` (the scheme as a table)."""

from __future__ import annotations

import functools

from ..compat import transformers_line
from .audio import AUDIO_FAMILIES
from .bart import BART_LIKE_FAMILIES
from .bart_copies import BART_COPY_FAMILIES
from .detr import DETR_FAMILIES
from .distributions import Constant, Deterministic, Distribution, Normal, TruncatedNormal, Uniform
from .multimodal import MULTIMODAL_FAMILIES
from .rules import FamilyScheme, LeftToFramework, Rule, SubModel
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
    return _scheme_on_line(transformers_line(), model_type)


def scheme_for_submodel(model_type: str) -> tuple[FamilyScheme, SubModel] | None:
    """The scheme and :class:`SubModel` entry of a sub-model's config ``model_type``, or None."""
    return _submodel_on_line(transformers_line(), model_type)


# remembered per (line, model type): the appliers ask once per module of every build


@functools.cache
def _scheme_on_line(line: str | None, model_type: str) -> FamilyScheme | None:
    return next(
        (s for s in FAMILIES.values() if model_type in s.model_types and (line is None or line in s.lines)), None
    )


@functools.cache
def _submodel_on_line(line: str | None, model_type: str) -> tuple[FamilyScheme, SubModel] | None:
    return next(
        (
            (scheme, submodel)
            for scheme in FAMILIES.values()
            for submodel in scheme.submodels
            if submodel.model_type == model_type and (line is None or line in scheme.lines)
        ),
        None,
    )


def other_line_only(model_type: str) -> str | None:
    """Why ``model_type`` has no scheme on the imported transformers line although one exists for another."""
    line = transformers_line()
    lines = sorted({ln for scheme in FAMILIES.values() if model_type in scheme.model_types for ln in scheme.lines})
    if not lines or line is None or line in lines:
        return None
    return (
        f"its scheme describes transformers {'/'.join(f'{ln}.x' for ln in lines)} (4.57.6), not yet checked against "
        f"the {line}.x modelling code, so neither applied nor checked here"
    )


def new_on_this_line(model_type: str) -> str | None:
    """Why ``model_type`` has no scheme on the imported transformers line: a type that 4.57.6 (whose
    encoder-decoder types the schemes cover) does not have. None on the 4.x line, where a type without
    a scheme is a gap the suite reports, and for every type with a scheme."""
    line = transformers_line()
    if line in (None, "4") or scheme_for_model_type(model_type) is not None:
        return None
    return (
        f"new in the transformers {line}.x line (4.57.6, whose encoder-decoder types the schemes cover, does "
        "not have it): no scheme written for it yet"
    )


__all__ = [
    "Constant",
    "Deterministic",
    "Distribution",
    "FAMILIES",
    "FamilyScheme",
    "LeftToFramework",
    "Normal",
    "Rule",
    "SubModel",
    "TruncatedNormal",
    "Uniform",
    "new_on_this_line",
    "other_line_only",
    "scheme_for_model_type",
    "scheme_for_submodel",
]
