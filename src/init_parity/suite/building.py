"""Building and seeding for the conformance check: fresh models of each class, framework and seed
(cached per process), their weights gathered under :class:`~init_parity.suite.labels.TensorName`
so that a role pools over layers, seeds and classes, and the checks that build and then analyse
(:func:`init_parity.suite.conformance.check_arrays` is the pure analysis)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..runtime.activation import is_enabled, use_scheme
from ..scheme.naming import align_prefix
from ..scheme.plan import family_of
from . import forward, stats
from .conformance import FamilyCheck, check_arrays, generic_role
from .first_loss import first_loss_of, measurable
from .labels import TensorName, tensor_name
from .models.build import build_model, weights
from .models.discovery import family as find_family
from .models.tiny_configs import tiny_config
from .ties import pytorch_output_head, tie_findings


def counterparts(model_type: str, frameworks: tuple[str, ...]) -> dict[str, str]:
    """The class representing ``model_type`` in each of ``frameworks``; a clear error for a framework
    where transformers has none."""
    found = find_family(model_type)
    missing = [fw for fw in frameworks if fw not in found.classes]
    if missing:
        raise LookupError(
            f"{model_type} has no {'/'.join(missing)} counterpart in this transformers; "
            f"it exists in: {', '.join(found.frameworks) or 'none'}"
        )
    return {fw: found.classes[fw] for fw in frameworks}


@dataclass(frozen=True)
class Build:
    """One fresh model, kept as what the checks read: its distinct tensors (PyTorch names and
    layout), the exact tie results (:func:`init_parity.suite.ties.tie_findings`) and, for a text-to-text
    LM, its first loss on the random batch of its seed (:mod:`init_parity.suite.forward`)."""

    weights: dict[str, np.ndarray]
    ties: list[stats.TestResult]
    first_loss: float | None


_BUILT: dict[tuple, Build] = {}  # one build per (framework, class, config, seed, scheme on)


def built(framework: str, class_name: str, config: Any, seed: int, first_loss: bool = True) -> Build:
    """The :class:`Build` of ``class_name`` from ``config`` with ``seed``, made once per process.
    ``first_loss=False`` skips the forward pass of a build whose loss nobody reads (a seed drawn for
    the distributions only); a later call that wants it builds that seed again."""
    key = (framework, class_name, config.to_json_string(), seed, is_enabled())
    wants_loss = first_loss and measurable(framework, config.model_type, class_name, config) is None
    if key not in _BUILT or (wants_loss and _BUILT[key].first_loss is None):
        model = build_model(framework, class_name, config, seed)
        found = weights(framework, model)
        loss = first_loss_of(framework, model, config, seed) if wants_loss else None
        head = pytorch_output_head(model) if framework == "pt" else None
        if framework == "pt" and head is None:  # PyTorch says it has no output head: nothing to tie
            ties = []
        else:
            ties = tie_findings(class_name, config, found, head)
        _BUILT[key] = Build(found, ties, loss)
    return _BUILT[key]


def seeds_needed(arrays: dict[str, np.ndarray], config: Any, min_samples: int = stats.MIN_SAMPLES) -> int:
    """How many seeds make every drawn role of one build reach ``min_samples`` (constants need one)."""
    scheme = family_of(config)
    per_role: dict[str, int] = {}
    for name, value in arrays.items():
        base = tensor_name(name).name
        rule = scheme.rule_for(base, config) if scheme else None
        if (rule is not None and rule.kind in ("constant", "deterministic")) or float(np.ptp(value)) == 0.0:
            continue
        if rule is None and scheme is not None and scheme.left_reason(base) is not None:
            continue  # left to the framework (a backbone): no distribution test needs its samples
        role = rule.role if rule else generic_role(base)
        per_role[role] = per_role.get(role, 0) + value.size
    smallest = min(per_role.values(), default=min_samples)
    return max(1, -(-min_samples // smallest))


MAX_SEEDS = 8


@dataclass
class Collected:
    """What :func:`collect_classes` gathered: weights (framework -> suffixed name -> array), tie
    results (framework -> results) and first losses (framework -> class tag -> losses over seeds)."""

    arrays: dict[str, dict[str, np.ndarray]]
    ties: dict[str, list[stats.TestResult]] = field(default_factory=dict)
    losses: dict[str, dict[str, list[float]]] = field(default_factory=dict)


@dataclass(frozen=True)
class ClassEntry:
    """One model class in every framework of a check: ``tag`` (the PyTorch class name) names its
    tensors apart from other classes', ``seed_base`` makes its draws independent of theirs."""

    tag: str
    classes: dict[str, str]  # framework -> transformers class name
    seed_base: int = 0


def _named(arrays: dict[str, np.ndarray], tag: str, seed_index: int, seed: int) -> dict[TensorName, np.ndarray]:
    """One build's arrays under their :class:`~init_parity.suite.labels.TensorName` (``tag``: empty
    for the first class)."""
    return {TensorName(name, tag, seed_index, seed): value for name, value in arrays.items()}


def collect_classes(
    entries: list[ClassEntry],
    config: Any,
    seeds: tuple[int, ...] | None = None,
    loss_seeds: int = forward.FIRST_LOSS_SEEDS,
) -> Collected:
    """Build every class of ``entries`` in each of its frameworks, once per seed. The first entry's
    tensors keep their names (``name@seed`` after the first seed); another class's are
    ``name@Tag`` (``name@Tag:i``), so that a role pools over layers, seeds and classes while a tensor
    stays one tensor. Seeds are offsets added to each entry's ``seed_base``; ``None`` picks as many
    (at most :data:`MAX_SEEDS`) as the smallest drawn role of all the classes together needs to reach
    :data:`init_parity.suite.stats.MIN_SAMPLES`. TF / Flax names are aligned with the PyTorch class's
    where the entry has one. Text-to-text LMs are also built with ``loss_seeds`` seeds for their
    first loss; every first seed's build gives its tie results."""
    frameworks = list(dict.fromkeys(fw for entry in entries for fw in entry.classes))

    def seed_arrays(index: int, entry: ClassEntry, seed_index: int, seed: int) -> dict[str, dict[str, np.ndarray]]:
        found = {
            fw: built(fw, name, config, entry.seed_base + seed, first_loss=seed in loss_window).weights
            for fw, name in entry.classes.items()
        }
        if "pt" in found:
            reference = set(found["pt"])
            found = {fw: a if fw == "pt" else align_prefix(a, reference) for fw, a in found.items()}
        return {fw: _named(a, entry.tag if index else "", seed_index, seed) for fw, a in found.items()}

    seeds = seeds or None
    first_seed = seeds[0] if seeds else 0
    loss_window = range(first_seed, first_seed + max(1, loss_seeds))  # the seeds first losses are read from
    arrays: dict[str, dict[str, np.ndarray]] = {fw: {} for fw in frameworks}
    for index, entry in enumerate(entries):
        for fw, more in seed_arrays(index, entry, 0, first_seed).items():
            arrays[fw].update(more)
    if seeds is None:
        seeds = tuple(range(min(MAX_SEEDS, seeds_needed(arrays[frameworks[0]], config))))
    for seed_index, seed in enumerate(seeds[1:], start=1):
        for index, entry in enumerate(entries):
            for fw, more in seed_arrays(index, entry, seed_index, seed).items():
                arrays[fw].update(more)
    collected = Collected(arrays)
    for entry in entries:
        for fw, class_name in entry.classes.items():
            build = built(fw, class_name, config, entry.seed_base + first_seed)
            collected.ties.setdefault(fw, []).extend(build.ties)
            if build.first_loss is not None and loss_seeds > 1:
                collected.losses.setdefault(fw, {})[entry.tag] = [
                    built(fw, class_name, config, entry.seed_base + seed).first_loss for seed in loss_window
                ]
    return collected


def collect(
    classes: dict[str, str], config: Any, seeds: tuple[int, ...] | None = None
) -> dict[str, dict[str, np.ndarray]]:
    """Build ``classes`` (framework -> transformers class name) from ``config`` once per seed. A
    seed's tensors after the first get an ``@seed`` suffix so that repeats pool into one role.
    ``seeds=None`` picks as many seeds (at most :data:`MAX_SEEDS`) as the smallest drawn role needs
    to reach :data:`init_parity.suite.stats.MIN_SAMPLES` samples."""
    tag = classes.get("pt") or next(iter(classes.values()))
    return collect_classes([ClassEntry(tag, dict(classes))], config, seeds, loss_seeds=0).arrays


def check_classes(entries: list[ClassEntry], config: Any, seeds: tuple[int, ...] | None = None) -> FamilyCheck:
    """:func:`collect_classes` and :func:`check_arrays`: every test on every class of ``entries``."""
    collected = collect_classes(entries, config, seeds)
    return check_arrays(
        config.model_type,
        config,
        collected.arrays,
        is_enabled(),
        ties=collected.ties,
        losses=collected.losses,
        second_seed=_second_seed(entries, config, collected.arrays, seeds),
    )


def _second_seed(
    entries: list[ClassEntry], config: Any, arrays: dict[str, dict[str, np.ndarray]], seeds: tuple[int, ...] | None
) -> dict[str, dict[TensorName, np.ndarray]]:
    """For a check of one seed: a build of the next seed of every class, for the independence of the two seeds'
    draws only (:mod:`.seed_independence`; the samples stay those of the one seed). Empty when there are more."""
    if any(tensor_name(name).seed_index for found in arrays.values() for name in found):
        return {}
    seed = (seeds[0] if seeds else 0) + 1
    second: dict[str, dict[TensorName, np.ndarray]] = {}
    for index, entry in enumerate(entries):
        found = {
            fw: built(fw, name, config, entry.seed_base + seed, first_loss=False).weights
            for fw, name in entry.classes.items()
        }
        if "pt" in found:
            found = {fw: a if fw == "pt" else align_prefix(a, set(found["pt"])) for fw, a in found.items()}
        for fw, a in found.items():
            second.setdefault(fw, {}).update(_named(a, entry.tag if index else "", 1, seed))
    return second


def check_seeded_weights(config: Any, by_seed: dict[int, dict[str, np.ndarray]]) -> FamilyCheck:
    """:func:`check_arrays` on PyTorch weights built elsewhere (seed -> name -> array, each seed one
    fresh model of ``config``): a model built on meta, sharded or partitioned and gathered
    (:mod:`init_parity.suite.models.materialised`). Seeds after the first pool as :func:`collect_classes`'
    do."""
    arrays: dict[str, np.ndarray] = {}
    for index, (seed, found) in enumerate(by_seed.items()):
        arrays.update(_named(found, "", index, seed))
    return check_arrays(config.model_type, config, {"pt": arrays}, is_enabled())


@functools.lru_cache(maxsize=64)
def _cached_check(
    model_type: str, frameworks: tuple[str, ...], seeds: tuple[int, ...] | None, patched: bool, changes: tuple
) -> FamilyCheck:
    config = tiny_config(model_type, **dict(changes))
    classes = counterparts(model_type, frameworks)
    with use_scheme(patched):
        return check_classes([ClassEntry(classes.get("pt", next(iter(classes.values()))), classes)], config, seeds)


def check_family(
    model_type: str,
    frameworks: tuple[str, ...] | None = None,
    seeds: tuple[int, ...] | None = None,
    patched: bool | None = None,
    **config_changes: Any,
) -> FamilyCheck:
    """Build ``model_type``'s tiny config in ``frameworks`` (default: every installed framework it
    exists in) and check its fresh weights. ``seeds`` default: as many as the smallest role needs
    (:func:`collect`). ``patched`` chooses the scheme or stock transformers (default: whatever is
    active now). Results are cached per process."""
    available = find_family(model_type).frameworks
    frameworks = tuple(frameworks) if frameworks else available
    patched = is_enabled() if patched is None else patched
    seeds = tuple(seeds) if seeds is not None else None
    return _cached_check(model_type, frameworks, seeds, patched, tuple(sorted(config_changes.items())))


def clear_cache() -> None:
    """Forget every build and check this process cached (their samples included): for runs over
    many model types that need not keep them."""
    _BUILT.clear()
    _cached_check.cache_clear()
