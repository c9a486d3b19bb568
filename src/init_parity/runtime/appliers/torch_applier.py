"""PyTorch: a replacement for a family's ``PreTrainedModel._init_weights``.

transformers calls ``_init_weights(module)`` once per module, children before parents, and only for
modules whose weights were not loaded from a checkpoint. The replacement draws each direct
parameter of ``module`` that the scheme names, once (a parameter already loaded from a checkpoint,
marked ``_is_hf_initialized``, is left alone). A rule's padding row (``Rule.zero_row``) is zeroed
right after its draw.

Tensors the scheme does not name (a head it leaves as it is, a deterministic table the model
computes) keep what the original ``_init_weights`` gives them, so the original still runs on the
modules where it writes such a tensor, and only there. What it would write into a tensor the scheme
names is dropped (:class:`_WriteGuard`), so no tensor is drawn twice. Which modules those are is
found out the first time a module is initialised (the original runs under the guard, which records
what it writes) and kept in the plan.

The plan (per module: what to draw, and whether to run the original) is computed once per model
class, config signature and module structure, and reused by every later build of that shape: a
build then walks its modules once and evaluates no regular expression.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import weakref
from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch.overrides import TorchFunctionMode
from transformers.modeling_utils import PreTrainedModel

from ...compat import ties_head_after_init
from ...scheme.heads import tie_flag
from ...scheme.plan import Resolver, resolver_for

_STATE_ATTRIBUTE = "_init_parity_build"
_DEFERRED_ATTRIBUTE = "_init_parity_tied_head"  # the head left to transformers' tie_weights

# what a module's original ``_init_weights`` does, as far as the scheme is concerned
PROBE = "probe"  # not known yet: run it under the guard, which records what it writes
SKIP = "skip"  # it writes nothing the scheme leaves to it (or nothing at all): not run
PLAIN = "plain"  # it writes only tensors the scheme does not name: run as it is
GUARDED = "guarded"  # it writes both: run under the guard, which drops its writes to scheme tensors


def draw_(tensor: torch.Tensor, distribution: Any) -> None:
    """Fill ``tensor`` in place from ``distribution`` with torch's global generator (call it under
    ``torch.no_grad()``)."""
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


def fill_(tensor: torch.Tensor, distribution: Any, row: int | None) -> None:
    """Draw ``tensor`` from ``distribution`` and zero its padding ``row`` (None: none), under
    ``torch.no_grad()``.

    A ``DTensor`` (a parameter sharded by FSDP2's ``fully_shard``) is drawn whole with the global
    generator, as one process would draw it, and each rank keeps its own part: the shards of a tensor
    are then different numbers, and a seed gives every rank the same full tensor. Drawn on its shard
    alone, each rank would draw the same numbers from the same seed wherever DTensor has no random
    number tracker for the mesh's device (the CPU)."""
    dtensor = _dtensor_class()
    if dtensor is not None and isinstance(tensor, dtensor):
        from torch.distributed.tensor import distribute_tensor

        local = tensor.to_local()
        whole = torch.empty(tensor.shape, dtype=tensor.dtype, device=local.device)
        fill_(whole, distribution, row)
        local.copy_(distribute_tensor(whole, tensor.device_mesh, tensor.placements, src_data_rank=None).to_local())
        return
    draw_(tensor, distribution)
    if row is not None:
        tensor[row].zero_()


def _dtensor_class() -> type | None:
    """``torch.distributed.tensor.DTensor`` if that module was imported (no DTensor exists otherwise)."""
    module = sys.modules.get("torch.distributed.tensor")
    return getattr(module, "DTensor", None)


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


def modules_of(model: torch.nn.Module, whole: bool = True) -> list[torch.nn.Module]:
    """The modules of ``model`` in ``model.named_modules()`` order (pre-order, each once), without
    building their names. Unless ``whole``, a sub-model (a ``PreTrainedModel`` below ``model``) is
    listed but not entered: transformers initialises the modules below it with the sub-model's own
    ``_init_weights``, never with ``model``'s."""
    found: list[torch.nn.Module] = []
    seen: set[int] = set()
    stack: list[torch.nn.Module | None] = [model]
    while stack:
        module = stack.pop()
        if module is None or id(module) in seen:  # an empty slot (``_modules`` may hold None), a shared module
            continue
        seen.add(id(module))
        found.append(module)
        children = module._modules
        if children and (whole or module is model or not isinstance(module, PreTrainedModel)):
            stack.extend(reversed(children.values()))
    return found


def structure_of(modules: Iterable[torch.nn.Module]) -> tuple[Any, ...]:
    """What the plan's positions rely on: each module's class, parameter names and child count."""
    return tuple((type(m), tuple(m._parameters), len(m._modules)) for m in modules)


_TIE_FLAGS: dict[int, tuple[weakref.ref, tuple, bool]] = {}  # id(config) -> (config, fingerprint, flag)


def _ties_word_embeddings(config: Any) -> bool:
    """:func:`init_parity.scheme.heads.tie_flag` of ``config``, remembered per config object while every
    tie flag in it and in its sub-configs stays the same (``get_text_config`` runs once per module of
    every build otherwise)."""
    fingerprint = tuple(
        (name, id(value), getattr(value, "tie_word_embeddings", None))
        if hasattr(value, "get_text_config")
        else (name, value)
        for name, value in vars(config).items()
        if name.endswith("tie_word_embeddings") or hasattr(value, "get_text_config")
    )
    known = _TIE_FLAGS.get(id(config))
    if known is not None and known[0]() is config and known[1] == fingerprint:
        return known[2]
    flag = tie_flag(config)
    if len(_TIE_FLAGS) > 1024:
        _TIE_FLAGS.clear()
    _TIE_FLAGS[id(config)] = (weakref.ref(config), fingerprint, flag)
    return flag


def head_tied_after_init(model: Any) -> torch.nn.Module | None:
    """The output head whose weight transformers 4.x replaces by the input embedding right after the
    weights are initialised (``PreTrainedModel.init_weights`` runs ``initialize_weights`` and then
    ``tie_weights``, which ties them when the decoder's text config says ``tie_word_embeddings``): a draw
    of it would be overwritten at once, so it is not drawn (stock T5 skips it too). None on the 5.x line,
    whose ties are declared per model (``_tied_weights_keys``) and may leave a head apart (Pop2Piano)."""
    if not ties_head_after_init():
        return None
    try:
        head, embedding = model.get_output_embeddings(), model.get_input_embeddings()
    except (AttributeError, NotImplementedError):
        return None
    if head is None or embedding is None or getattr(head, "weight", None) is None:
        return None
    if not _ties_word_embeddings(model.config) or _tied_elsewhere(model, head.weight):
        return None  # no tie to come, or the head shares its tensor already (FSMT's output projection)
    return head


class _ModulePlan:
    """One module's part of a build: its class, the direct parameters the scheme draws, as (name,
    distribution, zero row), and what to do with the original ``_init_weights`` (:data:`PROBE` ...
    :data:`GUARDED`)."""

    __slots__ = ("draws", "module_type", "original")

    def __init__(self, module_type: type, draws: tuple[tuple[str, Any, int | None], ...], original: str) -> None:
        self.module_type = module_type
        self.draws = draws
        self.original = original


class _BuildPlan:
    """Per model class, config signature and structure: a :class:`_ModulePlan` of each module position,
    in :func:`modules_of` order, and where the parameters the scheme draws are in the whole model (what
    :class:`_WriteGuard` protects)."""

    def __init__(
        self, model: torch.nn.Module, resolver: Resolver, whole: bool, tied_head: torch.nn.Module | None
    ) -> None:
        scope = resolver.scope or scope_of(model)
        every = modules_of(model)
        self.deferred: tuple[Any, int | None] | None = None  # the tied head's (distribution, zero row)
        prefixes = {id(module): prefix for prefix, module in model.named_modules()}
        uncovered: list[str] = []  # parameters the scheme does not draw: the original's business
        self.drawn: list[tuple[int, str]] = []  # (position in the whole model, parameter name)
        draws_of: dict[int, tuple[tuple[str, Any, int | None], ...]] = {}
        for index, module in enumerate(every):
            prefix = prefixes[id(module)]
            head = f"{prefix}." if prefix else ""
            draws = []
            for local, parameter in module._parameters.items():
                if parameter is None:
                    continue
                resolved = resolver.drawn(scope + head + local)
                if module is tied_head and local == "weight":  # left to the tie; drawn after it if it does not
                    if resolved is not None:
                        row = _zero_row(resolver, resolved[0], parameter)
                        self.deferred = (resolved[1], row)
                    continue
                if resolved is None:
                    uncovered.append(head + local)
                    continue
                rule, distribution = resolved
                row = _zero_row(resolver, rule, parameter)
                draws.append((local, distribution, row))
                self.drawn.append((index, local))
            draws_of[id(module)] = tuple(draws)
        self.modules: list[_ModulePlan] = []
        for module in every if whole else modules_of(model, whole=False):
            head = f"{prefixes[id(module)]}." if prefixes[id(module)] else ""
            # the original can only write below the module it is given: it may matter where an
            # undrawn parameter lies below; whether it does is found out on the first call (PROBE)
            original = PROBE if any(name.startswith(head) for name in uncovered) else SKIP
            self.modules.append(_ModulePlan(type(module), draws_of[id(module)], original))


def _zero_row(resolver: Resolver, rule: Any, parameter: torch.nn.Parameter) -> int | None:
    """The padding row ``rule`` zeroes in ``parameter``, by its full shape (a ZeRO-3 parameter's own
    is empty: DeepSpeed keeps the full one as ``ds_shape``)."""
    shape = getattr(parameter, "ds_shape", parameter.shape)
    return resolver.zero_row(rule, shape[0]) if len(shape) else None


_PLANS: dict[tuple[Any, ...], _BuildPlan] = {}
_MAX_PLANS = 512  # model shapes remembered; the oldest is forgotten first


class _Build:
    """One model's initialisation in progress: its plan, and where each of its modules is in it.

    Normally only the model's own modules are placed, not those of its sub-models (``whole``
    False); a call for a module below a sub-model (``model.apply(model._init_weights)``) places
    them all."""

    __slots__ = ("module_plans", "plan", "scheme_storages", "tied_head")

    def __init__(self, model: torch.nn.Module, resolver: Resolver, whole: bool = False) -> None:
        modules = modules_of(model, whole)
        tied_head = head_tied_after_init(model)
        # the head's place follows from the class and structure: whether there is one to skip is enough
        key = (type(model), resolver.signature, whole, structure_of(modules), tied_head is not None)
        plan = _PLANS.get(key)
        if plan is None:
            if len(_PLANS) >= _MAX_PLANS:
                del _PLANS[next(iter(_PLANS))]
            plan = _PLANS[key] = _BuildPlan(model, resolver, whole, tied_head)
        self.plan = plan
        self.tied_head = tied_head
        self.module_plans = dict(zip(map(id, modules), plan.modules))  # by id(module)
        self.scheme_storages: set[int] | None = None  # filled when the guard first needs it

    def plan_of(self, module: torch.nn.Module) -> _ModulePlan | None:
        """The plan of ``module``, or None if it is not one of the modules this build placed."""
        found = self.module_plans.get(id(module))
        return found if found is not None and found.module_type is type(module) else None

    def storages(self, model: torch.nn.Module) -> set[int]:
        """The storages of the parameters the scheme draws (what the guard protects)."""
        if self.scheme_storages is None:
            modules = modules_of(model)
            self.scheme_storages = set()
            for index, local in self.plan.drawn:
                parameter = modules[index]._parameters.get(local)
                if parameter is not None:
                    self.scheme_storages.add(_storage(parameter))
        return self.scheme_storages


def _storage(tensor: torch.Tensor) -> int:
    return tensor.untyped_storage()._cdata


def written(func: Any, args: tuple, kwargs: dict | None) -> torch.Tensor | None:
    """The tensor a call writes into, or None: in-place functions and methods (``normal_``, ``zero_``,
    ``nn.init.trunc_normal_``, ``copy_``), item and ``.data`` assignment, what an ``_init_weights``
    writes with. ``torch.nn.init`` functions pass their tensor as the keyword ``tensor``."""
    name = getattr(func, "__name__", "")
    if not ((name.endswith("_") and not name.startswith("_")) or name in ("__setitem__", "__set__")):
        return None
    target = args[0] if args else (kwargs or {}).get("tensor")
    return target if isinstance(target, torch.Tensor) else None


class _WriteGuard(TorchFunctionMode):
    """Drops the writes into ``protected`` storages and records whether anything else was written."""

    def __init__(self, protected: set[int]) -> None:
        super().__init__()
        self.protected = protected
        self.wrote_protected = False
        self.wrote_other = False

    def __torch_function__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        target = written(func, args, kwargs)
        if target is not None:
            if _storage(target) in self.protected:
                self.wrote_protected = True
                return target
            self.wrote_other = True
        return func(*args, **(kwargs or {}))


def _run_original(
    original: Callable[[Any, torch.nn.Module], None],
    model: Any,
    module: torch.nn.Module,
    build: _Build,
    plan: _ModulePlan,
) -> None:
    """Run the original ``_init_weights`` on ``module`` as its ``plan`` says, learning what it does the
    first time."""
    if plan.original == SKIP:
        return
    if plan.original == PLAIN:
        original(model, module)
        return
    guard = _WriteGuard(build.storages(model))
    with guard:
        original(model, module)
    if plan.original == PROBE:
        plan.original = (GUARDED if guard.wrote_protected else PLAIN) if guard.wrote_other else SKIP


class _DrawnBy:
    """Which module drew each parameter (weakly held): a tensor shared by the modules of two builds of
    one construction (LongT5's stacks are given the parent's embedding) is drawn by the first only.
    A module initialised again on purpose (already marked ``_is_hf_initialized``) draws regardless."""

    def __init__(self) -> None:
        self._entries: dict[int, tuple[weakref.ref, weakref.ref]] = {}
        self._pruned_at = 4096

    def elsewhere(self, parameter: torch.nn.Parameter, module: torch.nn.Module) -> bool:
        """Whether ``parameter`` was drawn for another module that transformers has since marked
        initialised."""
        entry = self._entries.get(id(parameter))
        if entry is None or entry[0]() is not parameter:
            return False
        drawer = entry[1]()
        return drawer is not None and drawer is not module and getattr(drawer, "_is_hf_initialized", False)

    def record(self, parameter: torch.nn.Parameter, module: torch.nn.Module) -> None:
        self._entries[id(parameter)] = (weakref.ref(parameter), weakref.ref(module))
        if len(self._entries) > 2 * self._pruned_at:
            self._entries = {key: entry for key, entry in self._entries.items() if entry[0]() is not None}
            self._pruned_at = max(4096, len(self._entries))


_DRAWN_BY = _DrawnBy()


def _draw_module(plan: _ModulePlan, module: torch.nn.Module) -> None:
    """Draw the direct parameters of ``module`` that the scheme names: the one place that decides,
    per parameter, whether and how it is drawn. Not drawn: a parameter loaded from a checkpoint
    (``_is_hf_initialized``), or one drawn already for another module of this construction."""
    parameters = module._parameters
    again = module.__dict__.get("_is_hf_initialized", False)  # a caller initialising it once more
    chosen = []
    for local, distribution, row in plan.draws:
        parameter = parameters.get(local)
        if parameter is None or getattr(parameter, "_is_hf_initialized", False):
            continue
        if not again and _DRAWN_BY.elsewhere(parameter, module):
            continue
        chosen.append((parameter, distribution, row))
    if not chosen:
        return
    with gathered([parameter for parameter, _, _ in chosen]):
        for parameter, distribution, row in chosen:
            fill_(parameter, distribution, row)
            _DRAWN_BY.record(parameter, module)


def gathered(parameters: list[torch.nn.Parameter]) -> contextlib.AbstractContextManager:
    """Where the parameters are whole while they are drawn. A parameter partitioned by DeepSpeed
    ZeRO-3 (``deepspeed.zero.Init``, which transformers enters in ``from_config`` and
    ``from_pretrained`` under a ZeRO-3 ``HfDeepSpeedConfig``) holds an empty tensor: every rank
    gathers it, rank 0's draw is kept and partitioned again when the block ends, as transformers
    does when it resizes embeddings. A parameter gathered already (transformers 5.x initialises
    ZeRO-3 models module by module, gathered, on rank 0) and any other parameter are whole."""
    partitioned = [parameter for parameter in parameters if _partitioned(parameter)]
    if not partitioned:
        return contextlib.nullcontext()
    import deepspeed

    return deepspeed.zero.GatheredParameters(partitioned, modifier_rank=0)


def _partitioned(parameter: torch.nn.Parameter) -> bool:
    status = getattr(parameter, "ds_status", None)  # a ZeroParamStatus, for a ZeRO-3 parameter only
    return status is not None and status.name != "AVAILABLE"


def _initialise(
    original: Callable[[Any, torch.nn.Module], None],
    model: Any,
    module: torch.nn.Module,
    build: _Build,
    plan: _ModulePlan,
) -> None:
    _run_original(original, model, module, build, plan)
    if plan.draws:
        _draw_module(plan, module)


def _placed(model: Any, module: torch.nn.Module) -> tuple[_Build, _ModulePlan] | None:
    """The build of ``model`` in progress that ``module`` is part of, and the module's plan in it; a
    build is started when none has placed ``module``. None for a module outside the model."""
    build = model.__dict__.get(_STATE_ATTRIBUTE)
    if build is not None:
        plan = build.plan_of(module)
        if plan is not None:
            return build, plan
    resolver = resolver_for(model.config)
    if resolver is None:
        return None
    for whole in (False, True):
        build = _Build(model, resolver, whole)
        plan = build.plan_of(module)
        if plan is not None:
            model.__dict__[_STATE_ATTRIBUTE] = build
            return build, plan
    return None


def scheme_init_weights(original: Callable[[Any, torch.nn.Module], None]) -> Callable[[Any, torch.nn.Module], None]:
    """Wrap a family's ``_init_weights`` so that it draws by the scheme."""

    @functools.wraps(original)
    def _init_weights(self: Any, module: torch.nn.Module) -> None:
        placed = _placed(self, module)
        if placed is None:  # a module outside the model, e.g. new embeddings being resized
            original(self, module)
            return
        build, plan = placed
        if plan.original == SKIP and not plan.draws:
            pass  # most modules: containers, and layers whose tensors another module draws
        elif torch.is_grad_enabled():  # transformers calls it under no_grad; a user may not
            with torch.no_grad():
                _initialise(original, self, module, build, plan)
        else:
            _initialise(original, self, module, build, plan)
        if module is self:  # the last call of a build: children come first
            finished = self.__dict__.pop(_STATE_ATTRIBUTE)
            if finished.plan.deferred is not None:
                head = finished.tied_head
                self.__dict__[_DEFERRED_ATTRIBUTE] = (head, head._parameters["weight"], *finished.plan.deferred)

    return _init_weights


def draw_untied_head(original: Callable[[Any], None]) -> Callable[[Any], None]:
    """Wrap ``PreTrainedModel.tie_weights`` (4.x): the head the scheme left to the tie
    (:func:`head_tied_after_init`) is drawn now if the tie did not replace it (FSMT's decoder ties its own
    embedding back; T5Gemma ties the head to the decoder's embedding, not the input embedding)."""

    @functools.wraps(original)
    def tie_weights(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        deferred = self.__dict__.pop(_DEFERRED_ATTRIBUTE, None)
        if deferred is not None:
            head, parameter, distribution, row = deferred
            if head._parameters.get("weight") is parameter and not _tied_elsewhere(self, parameter):
                with torch.no_grad(), gathered([parameter]):
                    fill_(parameter, distribution, row)
        return result

    return tie_weights


def _tied_elsewhere(model: torch.nn.Module, parameter: torch.nn.Parameter) -> bool:
    """Whether another module of ``model`` holds ``parameter`` too (the tie went the other way round:
    the embedding was given the head's tensor)."""
    holders = sum(value is parameter for module in modules_of(model) for value in module._parameters.values())
    return holders > 1
