"""Replacing methods with their scheme wrappers: the method of each family model class in a
modelling module, plus the framework hooks its applier draws through; on transformers 5.x also
the ``__post_init__`` of the T5 family's configuration classes (:mod:`init_parity.runtime.untie`)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

from .targets import Target

_WRAPPED = "__init_parity_wrapped__"


Hook = Callable[[], tuple[type, str, Callable[[Any], Any]]]  # gives (class, method, wrapper) of a framework hook


def _appliers(framework: str) -> tuple[Callable[[Any], Any], tuple[Hook, ...]]:
    """The wrapper of the model method, and functions giving (class, method, wrapper) of each
    framework hook the applier needs (Keras' ``add_weight``, Flax's ``param``, ...)."""
    if framework == "config":
        from .untie import keep_untied_post_init

        return keep_untied_post_init, ()
    if framework == "pt":
        from ..compat import ties_head_after_init
        from .appliers.materialise import init_weights_after_materialising
        from .appliers.torch_applier import draw_untied_head, scheme_init_weights

        def init_weights() -> tuple[type, str, Callable[[Any], Any]]:
            from transformers.modeling_utils import PreTrainedModel

            return PreTrainedModel, "init_weights", init_weights_after_materialising

        if ties_head_after_init():

            def tie_weights() -> tuple[type, str, Callable[[Any], Any]]:
                from transformers.modeling_utils import PreTrainedModel

                return PreTrainedModel, "tie_weights", draw_untied_head

            return scheme_init_weights, (tie_weights, init_weights)

        def tied_weights() -> tuple[type, str, Callable[[Any], Any]]:
            from transformers.modeling_utils import PreTrainedModel

            from .untie import keep_input_ties

            return PreTrainedModel, "get_expanded_tied_weights_keys", keep_input_ties

        return scheme_init_weights, (tied_weights, init_weights)
    if framework == "tf":
        from .appliers.tf_applier import scheme_add_weight, scheme_build

        def keras_layer() -> tuple[type, str, Callable[[Any], Any]]:
            from transformers.modeling_tf_utils import keras

            return keras.layers.Layer, "add_weight", scheme_add_weight

        return scheme_build, (keras_layer,)
    from .appliers.flax_applier import scheme_init_weights, scheme_param

    def flax_module() -> tuple[type, str, Callable[[Any], Any]]:
        import flax.linen

        return flax.linen.Module, "param", scheme_param

    return scheme_init_weights, (flax_module,)


def _replace(cls: type, method: str, wrap: Callable[[Any], Any]) -> Any | None:
    """Wrap ``cls.method`` (defined on ``cls`` itself) unless already wrapped; return the original."""
    original = cls.__dict__.get(method)
    if original is None or getattr(original, _WRAPPED, False):
        return None
    wrapped = wrap(original)
    setattr(wrapped, _WRAPPED, True)
    setattr(cls, method, wrapped)
    return original


def patch(module: ModuleType, target: Target) -> Iterator[tuple[type, str, Any]]:
    """Patch ``target.method`` on each class of ``module`` that defines it, and the framework hook;
    yield (class, method, original) for each replacement."""
    base = getattr(importlib.import_module("transformers"), target.base_class)
    wrap, hooks = _appliers(target.framework)
    for value in list(vars(module).values()):
        if isinstance(value, type) and issubclass(value, base) and value.__module__ == module.__name__:
            original = _replace(value, target.method, wrap)
            if original is not None:
                yield value, target.method, original
    for hook in hooks:
        cls, method, hook_wrap = hook()
        original = _replace(cls, method, hook_wrap)
        if original is not None:
            yield cls, method, original
