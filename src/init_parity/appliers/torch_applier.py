"""PyTorch: a replacement for a family's ``PreTrainedModel._init_weights``.

transformers calls ``_init_weights(module)`` once per module, children before parents, and only for
modules whose weights were not loaded from a checkpoint. The replacement draws every direct
parameter of ``module`` that the scheme names, and hands a module to the original method only
when some parameter below it has no rule (a head the scheme leaves as it is), redrawing the
scheme's parameters below it afterwards so that the original cannot override them. A rule's padding
row (``Rule.zero_row``) is zeroed right after its draw; deterministic tables are left to the original.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch

from .plan import drawable, resolve, zero_row

_PLAN_ATTRIBUTE = "_init_parity_plan"


@torch.no_grad()
def draw_(tensor: torch.Tensor, distribution: Any) -> None:
    """Fill ``tensor`` in place from ``distribution`` with torch's global generator."""
    kind = distribution.kind
    if kind == "normal":
        tensor.normal_(mean=distribution.mean, std=distribution.std)
    elif kind == "truncated_normal":
        half_width = distribution.bound * distribution.std
        torch.nn.init.trunc_normal_(
            tensor,
            mean=distribution.mean,
            std=distribution.std,
            a=distribution.mean - half_width,
            b=distribution.mean + half_width,
        )
    elif kind == "uniform":
        tensor.uniform_(distribution.low, distribution.high)
    elif kind == "constant":
        tensor.fill_(distribution.value)
    else:
        raise ValueError(f"cannot draw {distribution.describe()}")


def scope_of(model: torch.nn.Module) -> str:
    """The name a sub-model has in its parent, as far as the scheme's patterns need it.

    transformers initialises an encoder or decoder sub-model (``BartEncoder``, ``WhisperEncoder``, ...)
    on its own, in its own ``post_init``, before its parent exists, so its parameter names are relative
    to it (``embed_positions.weight``); the parent's pass later skips its modules. The scheme's patterns
    are searched in full names, where such a sub-model is the parent's ``encoder`` / ``decoder``
    attribute, and a pattern may need that part (Whisper's encoder positions are a sinusoidal table,
    its decoder's are drawn). A class named ``*Encoder`` / ``*Decoder`` is given that part; any other
    model (the outermost, T5's ``T5Stack``) none."""
    name = type(model).__name__
    if name.endswith("Encoder"):
        return "encoder."
    if name.endswith("Decoder"):
        return "decoder."
    return ""


class _ModelPlan:
    """Per model: the name of each module, the rule of each parameter, and the modules that
    have a parameter without a rule somewhere below them."""

    def __init__(self, model: torch.nn.Module) -> None:
        self.prefix: dict[int, str] = {}
        self.needs_original: set[int] = set()
        self.rules: dict[str, Any] = {}
        self.config = config = model.config
        scope = scope_of(model)
        for prefix, module in model.named_modules():
            self.prefix.setdefault(id(module), prefix)
        uncovered: list[str] = []
        for name, _ in model.named_parameters(remove_duplicate=False):
            resolved = resolve(config, scope + name)
            self.rules[name] = resolved
            if resolved is None or not drawable(resolved[1]):
                uncovered.append(name)
        for prefix, module in model.named_modules():
            head = f"{prefix}." if prefix else ""
            if any(name.startswith(head) for name in uncovered):
                self.needs_original.add(id(module))

    def draw(self, module: torch.nn.Module, recurse: bool) -> None:
        prefix = self.prefix[id(module)]
        head = f"{prefix}." if prefix else ""
        for local, parameter in module.named_parameters(recurse=recurse):
            resolved = self.rules.get(head + local)
            if resolved is not None and drawable(resolved[1]):
                draw_(parameter, resolved[1])
                row = zero_row(resolved[0], self.config, parameter.shape[0]) if parameter.dim() else None
                if row is not None:
                    with torch.no_grad():
                        parameter[row].zero_()


def _plan(model: torch.nn.Module, module: torch.nn.Module) -> _ModelPlan | None:
    plan = model.__dict__.get(_PLAN_ATTRIBUTE)
    if plan is None or id(module) not in plan.prefix:
        plan = _ModelPlan(model)
        model.__dict__[_PLAN_ATTRIBUTE] = plan
    return plan if id(module) in plan.prefix else None


def scheme_init_weights(original: Callable[[Any, torch.nn.Module], None]) -> Callable[[Any, torch.nn.Module], None]:
    """Wrap a family's ``_init_weights`` so that it draws by the scheme."""

    @functools.wraps(original)
    def _init_weights(self: Any, module: torch.nn.Module) -> None:
        plan = _plan(self, module)
        if plan is None:  # a module outside the model, e.g. new embeddings being resized
            original(self, module)
            return
        if id(module) in plan.needs_original:
            original(self, module)
            plan.draw(module, recurse=True)
        else:
            plan.draw(module, recurse=False)

    return _init_weights
