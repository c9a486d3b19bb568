"""TensorFlow: scheme initializers for the variables a family's TF models create in ``build``.

transformers' TF models create their variables lazily, through Keras' ``Layer.add_weight``, while
the model's ``build`` runs. During the outermost ``build`` of a family model, ``add_weight`` is
given, for every variable the scheme names, an initializer that draws from the scheme with
TensorFlow's own generator (``tf.random.set_seed`` governs it: each variable gets the seed pair of
the next op, so every draw is independent and a seed gives the same model). Names are resolved once
per config signature and variable name (:mod:`.plan`). A rule's padding row (``Rule.zero_row``) is zeroed in the same
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

from ...scheme.naming import tf_name
from ...scheme.plan import resolver_for

_active = threading.local()  # .resolver: the scheme's resolver of the model being built, or None


def _op_seed() -> list[int] | None:
    """The seed pair TensorFlow's global generator gives the next random op (``tf.random.set_seed``
    and the op counter, as ``tf.random.normal`` gets it), or None when no global seed is set."""
    from tensorflow.python.framework import random_seed

    seed, op_seed = random_seed.get_seed(None)
    return None if seed is None else [seed, op_seed]


def draw(shape: Any, dtype: Any, distribution: Any) -> Any:
    """A tensor drawn from ``distribution``. With a global seed set, through TensorFlow's stateless
    Philox ops (``tf.raw_ops``) with the seed pair of the next op: the reproducibility of
    ``tf.random.normal`` without the kernel a stateful op builds for every new seed, and one op and a
    scaling per variable (stock Keras initializers cost as much)."""
    import tensorflow as tf

    dtype = tf.as_dtype(dtype or tf.float32)
    kind = distribution.kind
    if kind == "constant":
        return tf.constant(distribution.value, dtype=dtype, shape=shape)
    seed = _op_seed()
    if kind == "uniform":
        if seed is None:
            return tf.random.uniform(shape, minval=distribution.low, maxval=distribution.high, dtype=dtype)
        unit = tf.raw_ops.StatelessRandomUniform(shape=shape, seed=seed, dtype=dtype)
        return unit * (distribution.high - distribution.low) + distribution.low
    if kind == "normal":
        if seed is None:
            return tf.random.normal(shape, mean=distribution.mean, stddev=distribution.std, dtype=dtype)
        unit = tf.raw_ops.StatelessRandomNormal(shape=shape, seed=seed, dtype=dtype)
    elif kind == "truncated_normal":
        if distribution.bound != 2.0:
            raise ValueError("TensorFlow's truncated normal cuts at 2 std only")
        if seed is None:
            return tf.random.truncated_normal(shape, mean=distribution.mean, stddev=distribution.std, dtype=dtype)
        unit = tf.raw_ops.StatelessTruncatedNormal(shape=shape, seed=seed, dtype=dtype)
    else:
        raise ValueError(f"cannot draw {distribution.describe()}")
    value = unit * distribution.std
    return value + distribution.mean if distribution.mean else value


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


_NAMES: dict[tuple[str, tuple[int, ...]], tuple[str, bool]] = {}  # (name below the model, shape) -> tf_name


def pt_name_of(scope: str, name: str, shape: tuple[int, ...]) -> tuple[str, bool]:
    """:func:`init_parity.scheme.naming.tf_name` of a variable created in ``scope``, memoised. The model's
    own scope (``tf_bart_model_3``, numbered per instance) is dropped by the conversion, so it is left
    out of the key."""
    full = f"{scope}/{name}:0" if scope else f"{name}:0"
    key = (full.split("/", 1)[1] if "/" in full else full, shape)
    known = _NAMES.get(key)
    if known is None:
        known = _NAMES[key] = tf_name(full, list(shape))
    return known


def scheme_add_weight(original: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap Keras' ``Layer.add_weight``: inside a family model's build, scheme-named variables get a
    scheme initializer; everywhere else it is the original, untouched."""
    signature = inspect.signature(original)

    @functools.wraps(original)
    def add_weight(self: Any, *args: Any, **kwargs: Any) -> Any:
        resolver = getattr(_active, "resolver", None)
        if resolver is None:
            return original(self, *args, **kwargs)
        if args:  # transformers passes keywords; anything else is bound to them first
            bound = signature.bind(self, *args, **kwargs)
            kwargs = {**bound.arguments.pop("kwargs", {}), **bound.arguments}
            del kwargs["self"]
        name, shape = kwargs.get("name"), kwargs.get("shape")
        if name is not None and shape is not None:
            import tensorflow as tf

            shape = tuple(int(size) for size in shape)
            pt_name, transposed = pt_name_of(tf.get_current_name_scope(), name, shape)
            resolved = resolver.drawn(pt_name)
            if resolved is not None:
                # a transposed kernel holds PyTorch's rows along its last axis
                axis = -1 if transposed else 0
                row = resolver.zero_row(resolved[0], shape[axis]) if shape else None
                kwargs["initializer"] = _scheme_initializer(resolved[1], row, axis)
        return original(self, **kwargs)

    return add_weight


def scheme_build(original: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a TF model class's ``build`` so that the variables it creates follow the scheme."""

    @functools.wraps(original)
    def build(self: Any, input_shape: Any = None) -> Any:
        if getattr(_active, "resolver", None) is not None:  # an inner build of the same model
            return original(self, input_shape)
        _active.resolver = resolver_for(self.config)
        try:
            return original(self, input_shape)
        finally:
            _active.resolver = None

    return build
