"""Independence across seeds: two builds with different seeds are independent draws, tensor by tensor.

:func:`init_parity.suite.stats.independence` correlates the tensors of one build with each other; a draw that
ignores the seed (every build gets the same pattern, rescaled or shifted) passes it, since each build on its own
looks random. Here every tensor built with several seeds is compared with its own copy from the first seed:
``seed_correlation``, Pearson's r of the two flattened copies, ``z = r sqrt(n)`` asymptotically N(0, 1) under
independence, two-sided p, as the ``correlation`` test of one build. It is a test of the ``independence`` family
(:data:`init_parity.suite.stats.TEST_FAMILIES`), corrected with it by one Holm correction at
``FAMILY_ALPHAS["independence"]``: the false-alarm rate of a model stays what stats.py states. Tensors larger than
:data:`~init_parity.suite.stats.CORRELATION_MAX_ELEMENTS` are compared on a fixed, seeded subset of positions, the
same for both copies. Constant tensors, deterministic tables (the caller leaves them out) and the padding rows the
scheme zeroes (the caller removes them) are not compared: they are equal by design.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

from .stats import _SUBSAMPLE_SEED, CORRELATION_MAX_ELEMENTS, TestResult, _two_sided_normal_p

TEST = "seed_correlation"


def _positions(size: int) -> np.ndarray | None:
    if size <= CORRELATION_MAX_ELEMENTS:
        return None
    return np.sort(np.random.default_rng(_SUBSAMPLE_SEED).choice(size, CORRELATION_MAX_ELEMENTS, replace=False))


def _centred_unit(array: np.ndarray, positions: np.ndarray | None) -> np.ndarray | None:
    flat = np.asarray(array, dtype=np.float64).reshape(-1)
    if positions is not None:
        flat = flat[positions]
    flat = flat - flat.mean()
    norm = float(np.linalg.norm(flat))
    return flat / norm if norm > 0 else None


def across_seeds(tensors: Mapping[str, np.ndarray], tensor_of: Callable[[str], str]) -> list[TestResult]:
    """``seed_correlation`` for every tensor of ``tensors`` (name -> array, seeds suffixed as the suite names them)
    present more than once: each later copy against the first. ``tensor_of(name)`` is the tensor a name is a copy
    of (:func:`init_parity.suite.conformance.tensor_key`)."""
    copies: dict[str, list[tuple[str, np.ndarray]]] = {}
    for name, array in tensors.items():
        copies.setdefault(tensor_of(name), []).append((name, np.asarray(array)))
    results = []
    for group in copies.values():
        if len(group) < 2:
            continue
        (first_name, first), others = group[0], group[1:]
        if first.size < 2 or not np.all(np.isfinite(first)):
            continue  # the finite test names it
        positions = _positions(int(first.size))
        base = _centred_unit(first, positions)
        if base is None:
            continue  # constant
        for name, array in others:
            if array.shape != first.shape or not np.all(np.isfinite(array)):
                continue
            other = _centred_unit(array, positions)
            if other is None:
                continue
            n = int(base.size)
            r = float(np.clip(base @ other, -1.0, 1.0))
            z = r * math.sqrt(n)
            p_value = float(_two_sided_normal_p(np.asarray(z)))
            subset = f" (on {n} of {first.size} positions)" if positions is not None else ""
            detail = f"{name} ~ {first_name}: r = {r:.4g}, z = {z:.3g} across seeds{subset}"
            results.append(TestResult(TEST, r, p_value, n, detail))
    return results
