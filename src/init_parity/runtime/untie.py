"""transformers 5.x: a T5-family configuration built with ``tie_word_embeddings=False`` stays untied.

On the 5.x line the configurations of t5, mt5, umt5, longt5, pop2piano and udop set
``tie_word_embeddings = True`` whatever they are given (T5, LongT5 and Pop2Piano keep the given value
only as ``scale_decoder_outputs``), so a fresh model built from a T5 v1.1 / mT5 / UMT5 configuration
gets an lm_head that *is* the N(0, 1) shared embedding. The wrapper below keeps an explicit ``False``,
as 4.57.6 does: the model then has a head of its own, which the scheme draws, and the forward pass
does not rescale the decoder output. ``scale_decoder_outputs`` is left as upstream computes it, and every
other tie the flag governs in 5.x stays (:func:`keep_input_ties`).

Checkpoints load as before: a checkpoint with both tensors loads both (stock 5.x unties those too,
because the values differ); one whose configuration says untied but that holds no lm_head gets its
head drawn by the scheme, as on 4.57.6.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from typing import Any

_KEY = "tie_word_embeddings"


def requested_tie(config: Any, kwargs: dict[str, Any]) -> Any:
    """The ``tie_word_embeddings`` the caller gave, before ``__post_init__`` overrides it: a field of
    the dataclass (MT5Config, LongT5Config ...) or an extra keyword (T5Config, UMT5Config); None if absent."""
    if _KEY in kwargs:
        return kwargs[_KEY]
    fields = getattr(type(config), "__dataclass_fields__", {})
    return getattr(config, _KEY, None) if _KEY in fields else None


def keep_untied_post_init(original: Callable[..., None]) -> Callable[..., None]:
    """Wrap a configuration's ``__post_init__`` so that an explicit ``tie_word_embeddings=False`` is kept."""

    @functools.wraps(original)
    def __post_init__(self: Any, **kwargs: Any) -> None:
        requested = requested_tie(self, kwargs)
        original(self, **kwargs)
        if requested is False:
            self.tie_word_embeddings = False

    return __post_init__


def kept_untied(config: Any) -> bool:
    """A configuration of a family whose 5.x configuration forces the tie, kept untied by :func:`keep_untied_post_init`."""
    from ..scheme import FAMILIES
    from ..scheme.heads import tie_flag
    from .targets import UNTIED_CONFIG_FAMILIES

    if tie_flag(config, own=True):
        return False
    model_type = getattr(config, "model_type", "")
    return any(model_type in FAMILIES[family].model_types for family in UNTIED_CONFIG_FAMILIES)


_OUTPUT_HEAD = re.compile(r"(^|\.)lm_head\.weight$")  # the scheme's lm_head roles (scheme/t5.py)
_view_lock = threading.Lock()


def keep_input_ties(original: Callable[..., dict[str, str]]) -> Callable[..., dict[str, str]]:
    """Wrap ``PreTrainedModel.get_expanded_tied_weights_keys``: in 5.x ``tie_word_embeddings`` governs
    every tie of a model (the encoder's and decoder's ``embed_tokens`` with ``shared``, UDOP's patch
    embeddings and relative biases), where in 4.57.6 it governed the lm_head alone. For a configuration
    kept untied, the model gets every tie its class declares except the output head's."""

    @functools.wraps(original)
    def get_expanded_tied_weights_keys(self: Any, all_submodels: bool = False) -> dict[str, str]:
        if all_submodels or not kept_untied(self.config):
            return original(self, all_submodels)  # all_submodels: each sub-model comes back here
        with _view_lock:
            self.config.tie_word_embeddings = True
            try:
                tied = original(self, all_submodels)
            finally:
                self.config.tie_word_embeddings = False
        return {target: source for target, source in tied.items() if not _OUTPUT_HEAD.search(target)}

    return get_expanded_tied_weights_keys
