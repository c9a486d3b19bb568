"""Running the report's model types in worker processes: ``init-parity report --models all``.

Each model type is checked in a worker (a fresh interpreter, started with ``spawn``: the frameworks'
threads do not survive a fork), which builds its models, draws its figures while the samples are
there, lets the samples go and sends back the summary (:meth:`FamilyReport.release`). The main
process imports no framework and holds one summary per model type, so memory is bounded by the
workers: one model type each at a time. It does not import transformers either, which imports
PyTorch: the model types are found by a worker (``--models all``), and a summary holds no
transformers object.

How many workers pays: one per core, and no more than the memory allows (a worker with PyTorch,
TensorFlow and JAX loaded and a model type in hand stays under :data:`WORKER_MEMORY`); and one
when there is one model type (a worker's start-up, loading the frameworks, costs seconds).

The pool is started (:func:`start_workers`) before the model types are found, so that the workers
load their frameworks meanwhile, and the first to have loaded them finds the model types (it has
imported transformers by then: a process of its own would import it again, beside them, for
seconds of CPU the workers need); a worker ends with ``os._exit`` once its work is sent back: the
teardown of an interpreter holding TensorFlow and JAX takes seconds and keeps nothing.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from .collect import FamilyReport, ModeResult, collect

WORKER_MEMORY = 1.6e9
"""Bytes a worker may use: the three frameworks loaded (about 1 GB) and one tiny model type's builds
and samples (the report refuses tiny configs above ``collect.MAX_PARAMETERS``)."""


def available_memory() -> float | None:
    """Bytes of memory available now (Linux ``MemAvailable``), or None where that is unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def worker_count(model_types: int | None, requested: int | None = None) -> int:
    """``requested`` if given; else one per core, as many as memory allows, at most one per model
    type (``None``: not counted yet, many), and 1 for a single model type."""
    if requested is not None:
        return max(1, requested)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    memory = available_memory()
    by_memory = int(memory // WORKER_MEMORY) if memory else cores
    return max(1, min(cores, by_memory, cores if model_types is None else model_types))


_worker_plots: Path | None = None


# One compute thread per worker: the workers already use every core, and each framework would
# otherwise start a pool of its own per core (numpy's BLAS, PyTorch, TensorFlow's two, XLA's), spinning
# against them. Set in the environment the workers are started in (:func:`_one_thread_environment`),
# not in the worker: a pool reads its setting when its library is loaded, and numpy is loaded as the
# worker unpickles its initializer, before that runs.
_ONE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
}


def _start_worker(frameworks: Sequence[str], plots: Path | None) -> None:
    global _worker_plots
    from . import quiet

    _worker_plots = plots
    quiet.import_frameworks(frameworks)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    # the frameworks' objects live as long as the worker: kept out of the collector's passes (the
    # measured cost of a collection: docs/performance.md)
    gc.freeze()
    # registered last, so run first at exit: everything is sent back by then (stdout and stderr are
    # flushed before), and the frameworks' own exit handlers and the module teardown are skipped
    atexit.register(os._exit, 0)


def _ready() -> None:
    """A no-op: submitting one per worker makes the pool start every process now."""


@contextlib.contextmanager
def _one_thread_environment() -> Iterator[None]:
    """:data:`_ONE_THREAD` in this process's environment while it lasts, for the processes started
    meanwhile; a setting the user made is kept."""
    added = {name: value for name, value in _ONE_THREAD.items() if name not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def start_workers(workers: int, frameworks: Sequence[str], plots: Path | None = None) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes (``spawn``), started now, in :func:`_one_thread_environment`:
    each loads ``frameworks`` while the caller goes on. Figures are drawn into ``plots`` (None:
    none). Shut it down when done."""
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(workers, context, initializer=_start_worker, initargs=(tuple(frameworks), plots))
    with _one_thread_environment():
        for _ in range(workers):  # a spawn pool starts one process per submission while it has fewer
            pool.submit(_ready)
    return pool


def _check_family(
    family: FamilyReport, modes: Sequence[str], seeds: tuple[int, ...] | None, first_loss: bool
) -> tuple[FamilyReport, list[str]]:
    """In a worker: check ``family`` in ``modes``, draw its figures, release its samples."""
    from ..suite import building
    from . import quiet

    with quiet.quiet_builds():
        collect([family], modes, seeds, first_loss)
    images: list[str] = []
    if _worker_plots is not None:
        from . import plots

        try:
            images = plots.draw_family(family, _worker_plots)
        except Exception as error:  # noqa: BLE001 - one figure failing must not lose the report
            print(f"init-parity: no figure for {family.model_type}: {type(error).__name__}: {error}", file=sys.stderr)
    family.release()
    building.clear_cache()
    _return_freed_memory()
    return family, images


def _return_freed_memory() -> None:
    """Hand the memory the finished model type's builds and samples held back to the system: freed
    blocks otherwise stay in the allocator's heap, and a worker's footprint would be that of the
    largest model type it ever checked, plus fragmentation (glibc's ``malloc_trim``; elsewhere nothing).
    What survives the collection (the modules the model type imported, the frameworks' caches) is
    frozen as the frameworks were: the next collection walks only what the next model type makes
    (measured in docs/performance.md)."""
    import ctypes

    gc.collect()
    gc.freeze()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def collect_in_workers(
    pool: ProcessPoolExecutor,
    families: list[FamilyReport],
    modes: Sequence[str],
    seeds: tuple[int, ...] | None,
    first_loss: bool = True,
    step: Callable[[str], None] | None = None,
    plots: bool = False,
) -> tuple[list[FamilyReport], dict[str, list[str]]]:
    """:func:`collect` over ``families`` in the worker processes of ``pool`` (:func:`start_workers`,
    which says where figures go). Returns the families, in their order, and the figures' file names
    per model type. ``step`` is called as each family comes back, once per mode (and once for its
    figure when ``plots``)."""
    done: dict[str, FamilyReport] = {}
    images: dict[str, list[str]] = {}
    # model types in more frameworks take longer: started first, they do not end the run alone
    order = sorted(families, key=lambda family: -len(family.frameworks))
    pending: dict[Future, FamilyReport] = {
        pool.submit(_check_family, family, modes, seeds, first_loss): family for family in order
    }
    while pending:
        finished, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in finished:
            family = pending.pop(future)
            try:
                result, names = future.result()
            except BrokenProcessPool as error:
                result, names = _failed(family, modes, f"its worker process died ({error})"), []
            except Exception as error:  # noqa: BLE001 - reported per family, so that the run finishes
                result, names = _failed(family, modes, f"{type(error).__name__}: {error}"[:300]), []
            done[family.model_type] = result
            if names:
                images[family.model_type] = names
            if step is not None:
                for mode in modes:
                    step(f"{family.model_type} {mode}")
                if plots:
                    step(f"plot {family.model_type}")
    return [done[family.model_type] for family in families], images


def _failed(family: FamilyReport, modes: Sequence[str], reason: str) -> FamilyReport:
    for mode in modes:
        family.modes[mode] = ModeResult(mode, error=reason)
    return family
