"""Flax: scheme initializers for the parameters a family's Flax models create in ``init_weights``.

``init_weights`` runs ``module.init``, in which every layer asks for its parameters through
``flax.linen.Module.param(name, init_fn, *shape_args)``. While a family model's ``init_weights``
runs, ``param`` is given, for every parameter the scheme names, an ``init_fn`` that draws from the
scheme with the key Flax hands it (one key per parameter path, so every draw is independent and a
given seed gives the same model). A rule's padding row (``Rule.zero_row``) is zeroed in the same
``init_fn``; deterministic tables keep the model's own. Nothing is drawn twice; parameters loaded
from a checkpoint are merged by transformers as before.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from ...scheme.naming import flax_name
from ...scheme.plan import Resolver, resolver_for

_active = threading.local()  # .resolver: the scheme's resolver of the model being initialised, or None


def draw(key: Any, shape: Any, dtype: Any, distribution: Any) -> Any:
    """An array drawn from ``distribution`` with ``key``: one random op and a scaling, as Flax's own
    initializers (``jax.nn.initializers.normal``) do."""
    import jax
    import jax.numpy as jnp

    dtype = dtype or jnp.float32
    kind = distribution.kind
    if kind == "constant":
        return jnp.full(shape, distribution.value, dtype)
    if kind == "uniform":
        return jax.random.uniform(key, shape, dtype, minval=distribution.low, maxval=distribution.high)
    if kind == "normal":
        unit = jax.random.normal(key, shape, dtype)
    elif kind == "truncated_normal":
        unit = jax.random.truncated_normal(key, -distribution.bound, distribution.bound, shape, dtype)
    else:
        raise ValueError(f"cannot draw {distribution.describe()}")
    # Python floats are weakly typed: the product keeps ``dtype``, with no array made for the scalar
    value = unit * float(distribution.std)
    return value + float(distribution.mean) if distribution.mean else value


def zero_out(value: Any, row: int | None, axis: int) -> Any:
    """``value`` with index ``row`` along ``axis`` (0 or -1) set to zero (a padding row)."""
    if row is None:
        return value
    return value.at[row].set(0) if axis == 0 else value.at[..., row].set(0)


def _scheme_init_fn(distribution: Any, rule: Any, resolver: Resolver, axis: int = 0) -> Callable[..., Any]:
    def init_fn(key: Any, shape: Any, dtype: Any = None, *_: Any) -> Any:
        shape = tuple(shape)
        row = resolver.zero_row(rule, int(shape[axis])) if shape else None
        return zero_out(draw(key, shape, dtype, distribution), row, axis)

    return init_fn


def scheme_param(original: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``flax.linen.Module.param``: inside a family model's ``init_weights``, scheme-named
    parameters get a scheme ``init_fn``; everywhere else it is the original, untouched."""

    @functools.wraps(original)
    def param(self: Any, name: str, init_fn: Callable[..., Any], *init_args: Any, **init_kwargs: Any) -> Any:
        resolver = getattr(_active, "resolver", None)
        if resolver is not None and self.scope is not None:
            pt_name, is_kernel = flax_name((*self.scope.path, name))
            resolved = resolver.drawn(pt_name)
            if resolved is not None:
                # a kernel holds PyTorch's rows along its last axis
                init_fn = _scheme_init_fn(resolved[1], resolved[0], resolver, -1 if is_kernel else 0)
        return original(self, name, init_fn, *init_args, **init_kwargs)

    return param


def scheme_init_weights(original: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a Flax model class's ``init_weights`` so that the parameters it draws follow the scheme."""

    @functools.wraps(original)
    def init_weights(self: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(_active, "resolver", None) is not None:
            return original(self, *args, **kwargs)
        _active.resolver = resolver_for(self.config)
        try:
            return original(self, *args, **kwargs)
        finally:
            _active.resolver = None

    return init_weights
