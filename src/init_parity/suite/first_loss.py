"""First loss: the mean cross-entropy of a fresh model with an LM head on random tokens.

A well-initialised model starts near the entropy of a uniform guess over the vocabulary, ln(V);
T5's stock untied lm_head, drawn from N(0, 1), starts far above it. The logits are taken from each
framework and the cross-entropy is computed here, in float64 numpy, the same way for all three, so
that the numbers compare. The decoder reads the labels shifted right behind the start token, as
transformers' own ``labels=`` path does.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..scheme.heads import SEQ_TO_SEQ_LM, has_lm_head


@dataclass(frozen=True)
class FirstLoss:
    """The first loss of one framework's fresh model; ``loss`` is None when it was not measured
    (``note`` says why)."""

    framework: str
    loss: float | None
    vocab: int
    note: str = ""

    @property
    def ideal(self) -> float:
        """ln(V): the cross-entropy of a uniform guess."""
        return math.log(self.vocab) if self.vocab > 0 else float("nan")

    @property
    def excess(self) -> float:
        return self.loss - self.ideal if self.loss is not None else float("nan")


def random_batch(vocab: int, seed: int = 0, batch: int = 4, length: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Encoder input ids and labels, uniform over the vocabulary."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, vocab, (batch, length)), rng.integers(0, vocab, (batch, length))


def decoder_start(config: Any) -> int:
    for key in ("decoder_start_token_id", "pad_token_id"):
        value = getattr(config, key, None)
        if isinstance(value, int):
            return value
    return 0


def logits(framework: str, model: Any, inputs: np.ndarray, decoder_inputs: np.ndarray) -> np.ndarray:
    """The model's logits for one batch, as a float64 array (batch, length, vocab)."""
    if framework == "pt":
        import torch

        with torch.no_grad():
            # no cache: one forward pass needs none, and FSMT's (4.57.6) cannot be built from its config
            out = model(
                input_ids=torch.tensor(inputs), decoder_input_ids=torch.tensor(decoder_inputs), use_cache=False
            )
        return out.logits.double().cpu().numpy()
    if framework == "tf":
        import tensorflow as tf

        out = model(input_ids=tf.constant(inputs), decoder_input_ids=tf.constant(decoder_inputs), training=False)
        return np.asarray(out.logits.numpy(), dtype=np.float64)
    return np.asarray(model(input_ids=inputs, decoder_input_ids=decoder_inputs).logits, dtype=np.float64)


def cross_entropy(logit_array: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy of ``labels`` under the softmax of ``logit_array``, in float64."""
    shifted = logit_array - logit_array.max(-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    return float(-np.take_along_axis(log_probs, labels[..., None], -1).mean())


def mean_cross_entropy(framework: str, model: Any, inputs: np.ndarray, labels: np.ndarray, start: int = 0) -> float:
    """The first loss of ``model`` on one batch: labels shifted right behind ``start`` feed the decoder."""
    decoder_inputs = np.concatenate([np.full_like(labels[:, :1], start), labels[:, :-1]], axis=1)
    return cross_entropy(logits(framework, model, inputs, decoder_inputs), labels)


def vocab_sizes(config: Any) -> tuple[int, int]:
    """(source, target) vocabulary sizes: ``vocab_size``, or FSMT's ``src_vocab_size`` / ``tgt_vocab_size``."""
    shared = int(getattr(config, "vocab_size", 0) or 0)
    source = int(getattr(config, "src_vocab_size", 0) or 0) or shared
    target = int(getattr(config, "tgt_vocab_size", 0) or 0) or shared
    return source, target


def measurable(framework: str, model_type: str, class_name: str, config: Any) -> str | None:
    """None when the first loss of ``class_name`` can be measured, else why not (not a text-to-text
    LM: speech or vision input, or no LM head)."""
    source, target = vocab_sizes(config)
    if not has_lm_head(class_name, framework, model_type, stems=(SEQ_TO_SEQ_LM,)):
        return f"{class_name} is not a text-to-text LM"
    import transformers

    main_input = getattr(getattr(transformers, class_name), "main_input_name", "input_ids")
    if main_input != "input_ids" or source <= 0 or target <= 0:
        return f"input is {main_input}, not token ids"
    return None


def first_loss_of(framework: str, model: Any, config: Any, seed: int = 0) -> float:
    """The first loss of an already built text-to-text LM on the random batch of ``seed``."""
    source, target = vocab_sizes(config)
    inputs, _ = random_batch(source, seed)
    _, labels = random_batch(target, seed)
    return mean_cross_entropy(framework, model, inputs, labels, decoder_start(config))


def measure(
    framework: str, model_type: str, class_name: str, config: Any, seed: int = 0, patched: bool | None = None
) -> FirstLoss:
    """Build ``class_name`` fresh from ``config`` with ``seed`` (with the scheme when ``patched``,
    stock without; None: whichever mode is active) and measure its first loss; a model that is not a
    text-to-text LM (speech or vision input, no LM head) gets a note instead."""
    from ..runtime.activation import use_scheme
    from .models.build import build_model

    target = vocab_sizes(config)[1]
    why_not = measurable(framework, model_type, class_name, config)
    if why_not is not None:
        return FirstLoss(framework, None, target, why_not)
    with contextlib.nullcontext() if patched is None else use_scheme(patched):
        model = build_model(framework, class_name, config, seed)
        return FirstLoss(framework, first_loss_of(framework, model, config, seed), target)
