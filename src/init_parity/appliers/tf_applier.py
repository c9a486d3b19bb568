"""TensorFlow: a wrapper for the ``build`` of a family's TF models.

TF models of transformers create their variables lazily, in ``build``. Once the outermost
``build`` has run, every variable the scheme names is assigned a fresh draw from TensorFlow's
own generator (``tf.random``, so ``tf.random.set_seed`` governs it; one op per variable, so every
draw is independent). ``from_pretrained`` builds before it loads, so loaded weights replace these
draws and weights missing from a checkpoint keep them.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from ..naming import tf_name
from .plan import drawable, resolve

_BUILDING = "_init_parity_building"


def draw(shape: Any, dtype: Any, distribution: Any) -> Any:
    import tensorflow as tf

    kind = distribution.kind
    if kind == "normal":
        return tf.random.normal(shape, mean=distribution.mean, stddev=distribution.std, dtype=dtype)
    if kind == "truncated_normal":
        if distribution.bound != 2.0:
            raise ValueError("tf.random.truncated_normal cuts at 2 std only")
        return tf.random.truncated_normal(shape, mean=distribution.mean, stddev=distribution.std, dtype=dtype)
    if kind == "uniform":
        return tf.random.uniform(shape, minval=distribution.low, maxval=distribution.high, dtype=dtype)
    if kind == "constant":
        return tf.fill(shape, tf.cast(distribution.value, dtype))
    raise ValueError(f"cannot draw {distribution.describe()}")


def apply_scheme(model: Any) -> None:
    """Assign a scheme draw to every variable of a built TF model that the scheme names."""
    seen: set[int] = set()
    for variable in model.weights:
        if id(variable) in seen:
            continue
        seen.add(id(variable))
        name, _ = tf_name(variable.name, variable.shape)
        resolved = resolve(model.config, name)
        if resolved is not None and drawable(resolved[1]):
            variable.assign(draw(variable.shape, variable.dtype, resolved[1]))


def scheme_build(original: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a TF model class's ``build`` so that a first, outermost build applies the scheme."""

    @functools.wraps(original)
    def build(self: Any, input_shape: Any = None) -> Any:
        if self.built or getattr(self, _BUILDING, False):
            return original(self, input_shape)
        setattr(self, _BUILDING, True)
        try:
            result = original(self, input_shape)
        finally:
            setattr(self, _BUILDING, False)
        apply_scheme(self)
        return result

    return build
