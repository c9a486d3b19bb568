"""The pretraining benchmark's models and training loop, one per framework, fed the same numpy batches.

Optimizer, the same in every framework: AdamW (beta1 0.9, beta2 0.999, eps 1e-8, decoupled weight
decay on every weight) with a linear warm-up to the peak learning rate, then constant:
``lr(update k) = peak * min(1, (k + 1) / warmup)`` for the k-th update (k from 0). PyTorch runs
``torch.optim.AdamW``, TensorFlow ``tf_keras.optimizers.AdamW`` and Flax ``optax.adamw``. The loss
is the mean cross-entropy over every target token (the examples have no padding), computed from
the logits in each framework; dropout is off (as in T5 v1.1 pretraining), so the frameworks differ
by their draws alone. The loss of step s is that of batch s before update s (step 0: the fresh
model); the gradient norm is the global L2 norm of that step's gradient.

Imported by ``pretrain.py`` (run from ``benchmarks/``) and by the tests (as ``benchmarks.pretrain_loop``):
it imports nothing else from ``benchmarks/``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

CLASSES = {  # (model, framework) -> transformers class
    ("t5-v1.1", "pt"): "T5ForConditionalGeneration",
    ("t5-v1.1", "tf"): "TFT5ForConditionalGeneration",
    ("t5-v1.1", "flax"): "FlaxT5ForConditionalGeneration",
    ("t5-v1.0", "pt"): "T5ForConditionalGeneration",
    ("t5-v1.0", "tf"): "TFT5ForConditionalGeneration",
    ("t5-v1.0", "flax"): "FlaxT5ForConditionalGeneration",
    ("bart", "pt"): "BartForConditionalGeneration",
    ("bart", "tf"): "TFBartForConditionalGeneration",
    ("bart", "flax"): "FlaxBartForConditionalGeneration",
}
MODELS = ("t5-v1.1", "t5-v1.0", "bart")


@dataclass(frozen=True)
class Shape:
    d_model: int = 128
    d_ff: int = 256
    heads: int = 4
    d_kv: int = 32
    layers: int = 2


@dataclass(frozen=True)
class Optimizer:
    peak: float = 1e-3
    warmup: int = 20
    weight_decay: float = 0.01
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8

    def rate(self, update: int) -> float:
        return self.peak * min(1.0, (update + 1) / self.warmup)


def config_for(model: str, shape: Shape, vocab: int):
    """The config of ``model``: ``t5-v1.1`` (gated-gelu, untied lm_head), ``t5-v1.0`` (relu, tied:
    the control) or ``bart``; byte-level ids (pad 0, eos 1) in a vocabulary of ``vocab``, dropout off. Build it under the same
    scheme mode as the model: on transformers 5.x stock T5 configs force the tie."""
    from transformers import BartConfig, T5Config

    if model == "bart":
        return BartConfig(
            vocab_size=vocab,
            d_model=shape.d_model,
            encoder_layers=shape.layers,
            decoder_layers=shape.layers,
            encoder_attention_heads=shape.heads,
            decoder_attention_heads=shape.heads,
            encoder_ffn_dim=shape.d_ff,
            decoder_ffn_dim=shape.d_ff,
            max_position_embeddings=256,
            dropout=0.0,
            attention_dropout=0.0,
            activation_dropout=0.0,
            pad_token_id=0,
            eos_token_id=1,
            bos_token_id=2,
            decoder_start_token_id=0,
            forced_eos_token_id=None,
        )
    v11 = model == "t5-v1.1"
    return T5Config(
        vocab_size=vocab,
        d_model=shape.d_model,
        d_ff=shape.d_ff,
        d_kv=shape.d_kv,
        num_heads=shape.heads,
        num_layers=shape.layers,
        num_decoder_layers=shape.layers,
        feed_forward_proj="gated-gelu" if v11 else "relu",
        tie_word_embeddings=not v11,
        dropout_rate=0.0,
        pad_token_id=0,
        eos_token_id=1,
        decoder_start_token_id=0,
    )


def build(model: str, framework: str, mode: str, shape: Shape, seed: int, vocab: int) -> Any:
    """A fresh ``model`` in ``framework``, drawn stock (``mode="stock"``) or by the scheme."""
    import init_parity
    from init_parity.suite.models.build import build_model

    with init_parity.use_scheme(mode == "scheme"):
        config = config_for(model, shape, vocab)
        return build_model(framework, CLASSES[model, framework], config, seed)


def train(framework: str, model: Any, inputs, decoder_inputs, targets, optimizer: Optimizer) -> dict:
    """Train ``model`` on the batches (arrays of shape (steps, batch, length)), one update per batch;
    {"loss": [...], "grad_norm": [...], "seconds": ...}."""
    started = time.perf_counter()
    loss, norms = _LOOPS[framework](
        model, np.asarray(inputs), np.asarray(decoder_inputs), np.asarray(targets), optimizer
    )
    return {"loss": loss, "grad_norm": norms, "seconds": time.perf_counter() - started}


def _train_pt(model, inputs, decoder_inputs, targets, optimizer: Optimizer):
    import torch

    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(
        params,
        lr=optimizer.peak,
        betas=(optimizer.beta1, optimizer.beta2),
        eps=optimizer.eps,
        weight_decay=optimizer.weight_decay,
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: optimizer.rate(k) / optimizer.peak)
    losses, norms = [], []
    for source, decoder, target in zip(inputs, decoder_inputs, targets):
        logits = model(
            input_ids=torch.from_numpy(source).long(),
            decoder_input_ids=torch.from_numpy(decoder).long(),
            use_cache=False,
        ).logits
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), torch.from_numpy(target).long().reshape(-1)
        )
        opt.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.sqrt(sum((p.grad.double() ** 2).sum() for p in params if p.grad is not None))
        opt.step()
        schedule.step()
        losses.append(loss.item())
        norms.append(norm.item())
    return losses, norms


def _train_tf(model, inputs, decoder_inputs, targets, optimizer: Optimizer):
    import tensorflow as tf
    import tf_keras

    class WarmUp(tf_keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, step):
            k = tf.cast(step, tf.float32)
            return optimizer.peak * tf.minimum(1.0, (k + 1.0) / optimizer.warmup)

        def get_config(self):
            return {}

    opt = tf_keras.optimizers.AdamW(
        learning_rate=WarmUp(),
        weight_decay=optimizer.weight_decay,
        beta_1=optimizer.beta1,
        beta_2=optimizer.beta2,
        epsilon=optimizer.eps,
    )
    variables = model.trainable_variables

    @tf.function
    def step(source, decoder, target):
        with tf.GradientTape() as tape:
            logits = model(input_ids=source, decoder_input_ids=decoder, use_cache=False, training=True).logits
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(target, logits))
        grads = tape.gradient(loss, variables)
        grads = [tf.convert_to_tensor(g) for g in grads]  # embedding gradients arrive as IndexedSlices
        norm = tf.linalg.global_norm(grads)
        opt.apply_gradients(zip(grads, variables))
        return loss, norm

    losses, norms = [], []
    for source, decoder, target in zip(inputs, decoder_inputs, targets):
        loss, norm = step(tf.constant(source), tf.constant(decoder), tf.constant(target))
        losses.append(float(loss))
        norms.append(float(norm))
    return losses, norms


def _train_flax(model, inputs, decoder_inputs, targets, optimizer: Optimizer):

    step, tx = _flax_step(model, optimizer)
    params = model.params
    state = tx.init(params)
    losses, norms = [], []
    for source, decoder, target in zip(inputs, decoder_inputs, targets):
        params, state, loss, norm = step(params, state, source, decoder, target)
        losses.append(float(loss))
        norms.append(float(norm))
    model.params = params
    return losses, norms


# (class, config, optimizer) -> (jitted step, optax transformation): the step depends on the model's
# module and the optimizer only (the weights are its argument), so the models of one config share
# one compilation
_FLAX_STEPS: dict = {}


def _flax_step(model, optimizer: Optimizer):
    import jax
    import jax.numpy as jnp
    import optax

    key = (type(model).__name__, model.config.to_json_string(), optimizer)
    if key in _FLAX_STEPS:
        return _FLAX_STEPS[key]
    call = model.__call__

    def rate(count):
        return optimizer.peak * jnp.minimum(1.0, (count + 1) / optimizer.warmup)

    tx = optax.adamw(
        rate, b1=optimizer.beta1, b2=optimizer.beta2, eps=optimizer.eps, weight_decay=optimizer.weight_decay
    )

    def loss_of(params, source, decoder, target):
        logits = call(input_ids=source, decoder_input_ids=decoder, params=params, train=False).logits
        return optax.softmax_cross_entropy_with_integer_labels(logits, target).mean()

    @jax.jit
    def step(params, state, source, decoder, target):
        loss, grads = jax.value_and_grad(loss_of)(params, source, decoder, target)
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state, loss, optax.global_norm(grads)

    _FLAX_STEPS[key] = step, tx
    return step, tx


_LOOPS = {"pt": _train_pt, "tf": _train_tf, "flax": _train_flax}
