"""TensorFlow: scheme initializers for the variables a family's TF models create in ``build``.

transformers' TF models create their variables lazily, through Keras' ``Layer.add_weight``, while
the model's ``build`` runs. During the outermost ``build`` of a family model, ``add_weight`` is
given, for every variable the scheme names, an initializer that draws from the scheme with
TensorFlow's own generator (``tf.random``: ``tf.random.set_seed`` governs it; one op per variable,
so every draw is independent). A rule's padding row (``Rule.zero_row``) is zeroed in the same
initializer; deterministic tables keep the model's own initializer. Nothing is drawn twice.
``from_pretrained`` builds before it loads, so loaded weights replace these draws, and weights
missing from a checkpoint keep them.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any

from ..naming import tf_name
from .plan import drawable, resolve, zero_row

_active = threading.local()  # .config: the config of the model being built, or None


def draw(shape: Any, dtype: Any, distribution: Any) -> Any:
    import tensorflow as tf

    dtype = tf.as_dtype(dtype or tf.float32)
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


def zero_out(value: Any, row: int | None, axis: int) -> Any:
    """``value`` with index ``row`` along ``axis`` (0 or -1) set to zero (a padding row)."""
    if row is None:
        return value
    import tensorflow as tf

    keep = tf.not_equal(tf.range(tf.shape(value)[axis]), row)
    if axis == 0:
        keep = tf.reshape(keep, [-1] + [1] * (len(value.shape) - 1))
    return tf.where(keep, value, tf.zeros_like(value))


def _scheme_initializer(distribution: Any, row: int | None = None, axis: int = 0) -> Callable[..., Any]:
    def initializer(shape: Any, dtype: Any = None, **_: Any) -> Any:
        return zero_out(draw(shape, dtype, distribution), row, axis)

    return initializer


def scheme_add_weight(original: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap Keras' ``Layer.add_weight``: inside a family model's build, scheme-named variables get a
    scheme initializer; everywhere else it is the original, untouched."""
    signature = inspect.signature(original)

    @functools.wraps(original)
    def add_weight(self: Any, *args: Any, **kwargs: Any) -> Any:
        config = getattr(_active, "config", None)
        if config is None:
            return original(self, *args, **kwargs)
        import tensorflow as tf

        bound = signature.bind(self, *args, **kwargs)
        name, shape = bound.arguments.get("name"), bound.arguments.get("shape")
        if name is not None and shape is not None:
            scope = tf.get_current_name_scope()
            pt_name, transposed = tf_name(f"{scope}/{name}:0" if scope else f"{name}:0", list(shape))
            resolved = resolve(config, pt_name)
            if resolved is not None and drawable(resolved[1]):
                # a transposed kernel holds PyTorch's rows along its last axis
                axis = -1 if transposed else 0
                row = zero_row(resolved[0], config, int(shape[axis])) if len(shape) else None
                bound.arguments["initializer"] = _scheme_initializer(resolved[1], row, axis)
        return original(*bound.args, **bound.kwargs)

    return add_weight


def scheme_build(original: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a TF model class's ``build`` so that the variables it creates follow the scheme."""

    @functools.wraps(original)
    def build(self: Any, input_shape: Any = None) -> Any:
        if getattr(_active, "config", None) is not None:  # an inner build of the same model
            return original(self, input_shape)
        _active.config = self.config
        try:
            return original(self, input_shape)
        finally:
            _active.config = None

    return build
