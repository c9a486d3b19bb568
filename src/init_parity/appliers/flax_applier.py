"""Flax: a wrapper for the ``init_weights`` of a family's Flax models.

``init_weights(rng, input_shape, params=None)`` returns the model's parameters, random ones for
everything not given in ``params``. The wrapper redraws each random parameter that the scheme
names with JAX, from a key folded from ``rng`` and the parameter's name, so every draw is
independent and a given seed gives the same model. Parameters loaded from a checkpoint are
returned untouched.
"""

from __future__ import annotations

import functools
import zlib
from typing import Any, Callable

from ..naming import flax_name
from .plan import drawable, resolve


def draw(key: Any, shape: Any, dtype: Any, distribution: Any) -> Any:
    import jax
    import jax.numpy as jnp

    kind = distribution.kind
    if kind == "normal":
        return distribution.mean + distribution.std * jax.random.normal(key, shape, dtype)
    if kind == "truncated_normal":
        unit = jax.random.truncated_normal(key, -distribution.bound, distribution.bound, shape, dtype)
        return distribution.mean + distribution.std * unit
    if kind == "uniform":
        return jax.random.uniform(key, shape, dtype, minval=distribution.low, maxval=distribution.high)
    if kind == "constant":
        return jnp.full(shape, distribution.value, dtype)
    raise ValueError(f"cannot draw {distribution.describe()}")


def apply_scheme(config: Any, params: Any, rng: Any, keep: frozenset = frozenset()) -> Any:
    """``params`` with every leaf the scheme names redrawn, except the paths in ``keep``."""
    import jax
    from flax.core.frozen_dict import FrozenDict, freeze, unfreeze
    from flax.traverse_util import flatten_dict, unflatten_dict

    frozen = isinstance(params, FrozenDict)
    flat = flatten_dict(unfreeze(params) if frozen else params)
    for path, value in flat.items():
        if path in keep:
            continue
        name, _ = flax_name(path)
        resolved = resolve(config, name)
        if resolved is not None and drawable(resolved[1]):
            key = jax.random.fold_in(rng, zlib.crc32(name.encode()))
            flat[path] = draw(key, value.shape, value.dtype, resolved[1])
    result = unflatten_dict(flat)
    return freeze(result) if frozen else result


def scheme_init_weights(original: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a Flax model class's ``init_weights`` so that its random parameters follow the scheme."""

    @functools.wraps(original)
    def init_weights(self: Any, rng: Any, input_shape: Any, params: Any = None) -> Any:
        keep: frozenset = frozenset()
        if params is not None:
            from flax.core.frozen_dict import unfreeze
            from flax.traverse_util import flatten_dict

            keep = frozenset(flatten_dict(unfreeze(params))) - frozenset(getattr(self, "_missing_keys", ()))
        result = original(self, rng, input_shape, params)
        return apply_scheme(self.config, result, rng, keep)

    return init_weights
