"""Flax: scheme initializers for the parameters a family's Flax models create in ``init_weights``.

``init_weights`` runs ``module.init``, in which every layer asks for its parameters through
``flax.linen.Module.param(name, init_fn, *shape_args)``. While a family model's ``init_weights``
runs, ``param`` is given, for every parameter the scheme names, an ``init_fn`` that draws from the
scheme with the key Flax hands it (one key per parameter path, so every draw is independent and a
given seed gives the same model). Nothing is drawn twice; parameters loaded from a checkpoint are
merged by transformers as before.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable

from ..naming import flax_name
from .plan import drawable, resolve

_active = threading.local()  # .config: the config of the model being initialised, or None


def draw(key: Any, shape: Any, dtype: Any, distribution: Any) -> Any:
    import jax
    import jax.numpy as jnp

    dtype = dtype or jnp.float32
    kind = distribution.kind
    if kind == "normal":
        return (distribution.mean + distribution.std * jax.random.normal(key, shape, dtype)).astype(dtype)
    if kind == "truncated_normal":
        unit = jax.random.truncated_normal(key, -distribution.bound, distribution.bound, shape, dtype)
        return (distribution.mean + distribution.std * unit).astype(dtype)
    if kind == "uniform":
        return jax.random.uniform(key, shape, dtype, minval=distribution.low, maxval=distribution.high)
    if kind == "constant":
        return jnp.full(shape, distribution.value, dtype)
    raise ValueError(f"cannot draw {distribution.describe()}")


def _scheme_init_fn(distribution: Any) -> Callable[..., Any]:
    def init_fn(key: Any, shape: Any, dtype: Any = None, *_: Any) -> Any:
        return draw(key, tuple(shape), dtype, distribution)

    return init_fn


def scheme_param(original: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``flax.linen.Module.param``: inside a family model's ``init_weights``, scheme-named
    parameters get a scheme ``init_fn``; everywhere else it is the original, untouched."""

    @functools.wraps(original)
    def param(self: Any, name: str, init_fn: Callable[..., Any], *init_args: Any, **init_kwargs: Any) -> Any:
        config = getattr(_active, "config", None)
        if config is not None and self.scope is not None:
            pt_name, _ = flax_name((*self.scope.path, name))
            resolved = resolve(config, pt_name)
            if resolved is not None and drawable(resolved[1]):
                init_fn = _scheme_init_fn(resolved[1])
        return original(self, name, init_fn, *init_args, **init_kwargs)

    return param


def scheme_init_weights(original: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a Flax model class's ``init_weights`` so that the parameters it draws follow the scheme."""

    @functools.wraps(original)
    def init_weights(self: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(_active, "config", None) is not None:
            return original(self, *args, **kwargs)
        _active.config = self.config
        try:
            return original(self, *args, **kwargs)
        finally:
            _active.config = None

    return init_weights
