"""Zero rows where no padding index points: a drawn tensor has none, but for the padding row.

A row of a drawn matrix (an embedding, a projection) is all zero with probability 0: only a padding row is zero, the
row the scheme's rule zeroes (:attr:`init_parity.scheme.Rule.zero_row`) or an ``nn.Embedding``'s ``padding_idx``. A
zero row elsewhere is a padding index set to the wrong token (the row zeroed is not the one the model skips), or a
row zeroed by mistake. The check is exact (``zero_row``: p = 0 on a finding), like the padding-row test, and spends
none of the false-alarm rate; rows shorter than :data:`MIN_COLUMNS` are not read (a few low-precision draws can all
be zero by chance).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .stats import DUPLICATE_ROWS_MIN_COLUMNS, TestResult

MIN_COLUMNS = DUPLICATE_ROWS_MIN_COLUMNS
TEST = "zero_row"


def stray_zero_rows(array: np.ndarray, padding: int | None) -> list[int]:
    """The all-zero rows of a 2-D ``array`` (along its first axis) other than ``padding``."""
    if array.ndim != 2 or array.shape[1] < MIN_COLUMNS or array.shape[0] < 2:
        return []
    return [int(row) for row in np.flatnonzero(~np.any(array != 0, axis=1)) if row != padding]


def describe(name: str, rows: list[int], padding: int | None) -> str:
    """``model.shared.weight rows [5] are zero where no padding index points (padding row 1)``."""
    where = f"padding row {padding}" if padding is not None else "no padding row"
    shown = rows[:5] + (["..."] if len(rows) > 5 else [])
    return f"{name} rows {shown} are zero where no padding index points ({where})"


def zero_row_result(found: Iterable[tuple[str, list[int], int | None]]) -> TestResult | None:
    """``zero_row``, exact: p = 0 naming each tensor (name, stray rows, its padding row) with a zero row where no
    padding index points; None when there is none (a pass adds no result)."""
    found = [(name, rows, padding) for name, rows, padding in found if rows]
    if not found:
        return None
    count = sum(len(rows) for _, rows, _ in found)
    detail = "; ".join(describe(name, rows, padding) for name, rows, padding in found[:3])
    more = f" and {len(found) - 3} more tensors" if len(found) > 3 else ""
    return TestResult(TEST, float(count), 0.0, count, detail + more)


def embedding_zero_rows(model) -> list[str]:
    """A PyTorch model's ``nn.Embedding`` rows that are zero where its ``padding_idx`` does not point (one line per
    embedding tensor, under its first name)."""
    import torch

    found, seen = [], set()
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Embedding) and module.weight.device.type != "meta":
            if id(module.weight) in seen:  # one tensor tied into several embeddings is read once
                continue
            seen.add(id(module.weight))
            array = module.weight.detach().cpu().float().numpy()
            rows = stray_zero_rows(array, module.padding_idx)
            if rows:
                found.append(describe(f"{name}.weight" if name else "weight", rows, module.padding_idx))
    return found
