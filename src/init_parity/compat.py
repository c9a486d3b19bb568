"""The transformers release line, and every difference between the 4.x and 5.x lines the package
acts on: the only module that reads transformers' version.

transformers 4.57.6 is the last release with TensorFlow and Flax models; the 5.23.x line is PyTorch
only. On 5.x the T5 family's configurations force ``tie_word_embeddings=True`` (the runtime keeps an
explicit ``False``), ties are declared per model class (4.x ties the output head in ``tie_weights``
after the weights are drawn), the tied head's decoder-output rescale is a config attribute of its own
(``scale_decoder_outputs``), and ``no_init_weights`` moved to ``transformers.initialization``.
"""

from __future__ import annotations

import importlib.metadata
import re
import sys
from typing import Any

SUPPORTED_TRANSFORMERS = ("4.57.6", "5.23.x")  # an ``x`` matches any patch release of that line
FRAMEWORKS_OF_LINE = {"4": ("pt", "tf", "flax"), "5": ("pt",)}  # the frameworks with model classes
UNTIED_CONFIG_FAMILIES = ("t5",)  # families whose 5.x configurations force the tie (runtime/untie.py)
CONFIGS_FORCE_TIE = {"4": False, "5": True}  # whether UNTIED_CONFIG_FAMILIES' configurations force it


def imported_version() -> str | None:
    """The ``__version__`` of the transformers already imported; None before it is imported."""
    return getattr(sys.modules.get("transformers"), "__version__", None) or None


def transformers_version() -> str | None:
    """The version of the transformers being imported, or installed; None without transformers."""
    version = imported_version()
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
    return FRAMEWORKS_OF_LINE[major(version)]


_LINE: list[str] = []  # the answer, once transformers is imported (its version cannot change after)


def transformers_line() -> str | None:
    """The major version of the imported transformers ("4", "5"), or None before it is imported."""
    if not _LINE:
        version = imported_version()
        if not version:
            return None
        _LINE.append(version.split(".", 1)[0])
    return _LINE[0]


def installed_line() -> str:
    """``"4"`` or ``"5"``: the line of the transformers being imported, or installed."""
    return major(transformers_version())


def ties_head_after_init() -> bool:
    """Whether the imported transformers ties the output head to the input embedding after the weights
    are drawn (4.x ``tie_weights``); 5.x declares its ties per model class."""
    return transformers_line() == "4"


def set_tie_mode(config: Any, tied: bool) -> None:
    """Set ``tie_word_embeddings`` on ``config`` (and on its text config), and on the 5.x T5 family the
    tied head's decoder-output rescale, an attribute of its own derived from the flag only when the
    config is constructed."""
    config.tie_word_embeddings = tied
    if hasattr(config, "scale_decoder_outputs"):
        config.scale_decoder_outputs = tied
    text = config.get_text_config() if hasattr(config, "get_text_config") else config
    if text is not config:
        text.tie_word_embeddings = tied


def no_init_weights() -> Any:
    """transformers' switch that builds a model without initialising it (its place moved in 5.x)."""
    try:
        from transformers.initialization import no_init_weights as switch  # 5.x
    except ImportError:
        from transformers.modeling_utils import no_init_weights as switch  # 4.x
    return switch()
