"""Replacing a method of every model class of a modelling module with its scheme wrapper."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, Callable, Iterator

from .targets import Target

_WRAPPED = "__init_parity_wrapped__"


def _wrapper_factory(framework: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    if framework == "pt":
        from .appliers.torch_applier import scheme_init_weights

        return scheme_init_weights
    if framework == "tf":
        from .appliers.tf_applier import scheme_build

        return scheme_build
    from .appliers.flax_applier import scheme_init_weights

    return scheme_init_weights


def patch(module: ModuleType, target: Target) -> Iterator[tuple[type, str, Any]]:
    """Patch ``target.method`` on each class of ``module`` that defines it; yield what was replaced."""
    base = getattr(importlib.import_module("transformers"), target.base_class)
    wrap = _wrapper_factory(target.framework)
    for value in list(vars(module).values()):
        if not (isinstance(value, type) and issubclass(value, base) and value.__module__ == module.__name__):
            continue
        original = value.__dict__.get(target.method)
        if original is None or getattr(original, _WRAPPED, False):
            continue
        wrapped = wrap(original)
        setattr(wrapped, _WRAPPED, True)
        setattr(value, target.method, wrapped)
        yield value, target.method, original
