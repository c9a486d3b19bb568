"""PyTorch: models built on the meta device are drawn by the scheme when they are materialised.

Big models are built without memory first and given it later: ``with torch.device("meta")`` or
accelerate's ``init_empty_weights()``, then ``model.to_empty(device=...)`` (FSDP2 shards the model in
between) and ``model.init_weights()``. transformers runs ``init_weights`` at construction too, on the
meta tensors, where nothing is drawn, and marks every module ``_is_hf_initialized``: the later call
then skips every module and leaves the memory ``to_empty`` gave, uninitialised (transformers 4.57.6
with either context; 5.x with accelerate's, since 5.x only skips the draw when the default device is
meta).

:func:`init_weights_after_materialising` wraps ``PreTrainedModel.init_weights`` so that, for a model
with a scheme, a module still holding a meta tensor after it is not marked initialised: nothing was
drawn into it. The later ``init_weights`` then draws every such module by the scheme, on both
transformers lines, as 5.x does for a model built under ``torch.device("meta")``. A module whose
tensors are real (all of them, in any build that is not on meta, and those ``from_pretrained`` loads)
keeps its mark. That later call also sets the buffers the scheme gives a constant, which ``to_empty``
emptied and no ``_init_weights`` sets (:func:`fill_constant_buffers`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch

from ...scheme.plan import resolver_for
from .torch_applier import fill_, scope_of

_BUILT_EMPTY = "_init_parity_built_empty"  # set on a model whose init_weights found meta tensors


def _holds_meta(module: torch.nn.Module) -> bool:
    """Whether a direct parameter or buffer of ``module`` is on the meta device."""
    tensors = (*module._parameters.values(), *module._buffers.values())
    return any(tensor is not None and tensor.is_meta for tensor in tensors)


def forget_meta_initialisation(model: torch.nn.Module) -> None:
    """Unmark every module of ``model`` below which a tensor is on the meta device: a container
    whose mark stayed would make ``init_weights`` skip it, and the scheme finishes a build on the
    model's own call (children first)."""
    meta_below: dict[int, bool] = {}
    for module in reversed(list(model.modules())):  # children before their parents
        meta_below[id(module)] = _holds_meta(module) or any(
            meta_below.get(id(child), False) for child in module.children()
        )
        if meta_below[id(module)]:
            module.__dict__.pop("_is_hf_initialized", None)


def fill_constant_buffers(model: torch.nn.Module, modules: list[torch.nn.Module]) -> None:
    """Give each buffer of ``modules`` (modules of ``model``) to which the scheme gives a constant
    (BART's ``final_logits_bias`` 0, BatchNorm's running statistics) that constant. Buffers are made in
    ``__init__``, never by ``_init_weights``: after ``to_empty`` (which empties every buffer, on meta or
    not) nothing else sets them. A buffer the model computes (a sinusoidal table) has no constant, and
    stays as it is."""
    resolver = resolver_for(model.config)
    if resolver is None:
        return
    scope = resolver.scope or scope_of(model)
    prefixes = {id(module): prefix for prefix, module in model.named_modules()}
    for module in modules:
        head = f"{prefixes[id(module)]}." if prefixes.get(id(module)) else ""
        for local, buffer in module._buffers.items():
            if buffer is None or not buffer.is_floating_point():
                continue
            resolved = resolver.drawn(scope + head + local)
            if resolved is not None and resolved[1].kind == "constant":
                with torch.no_grad():
                    fill_(buffer, resolved[1], None)


def init_weights_after_materialising(original: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``PreTrainedModel.init_weights`` (both transformers lines): see the module docstring. The
    first call after a build on meta also sets the constant buffers of the modules it initialises
    (:func:`fill_constant_buffers`): not those ``from_pretrained`` loaded, which it marked."""

    @functools.wraps(original)
    def init_weights(self: Any, *args: Any, **kwargs: Any) -> Any:
        pending = []
        if self.__dict__.pop(_BUILT_EMPTY, False):
            pending = [module for module in self.modules() if not module.__dict__.get("_is_hf_initialized", False)]
        result = original(self, *args, **kwargs)
        if any(p.is_meta for p in self.parameters()):
            if resolver_for(self.config) is not None:
                forget_meta_initialisation(self)
                self.__dict__[_BUILT_EMPTY] = True
        elif pending:
            fill_constant_buffers(self, pending)
        return result

    return init_weights
