"""Fresh PyTorch models built the ways big models are: on the meta device and materialised later,
in one process or sharded by FSDP2 over several, with their full weights read back.

The paths (:data:`PATHS`):

* ``eager``: ``cls(config)``, as :func:`init_parity.suite.models.build.build_model` builds;
* ``meta``: built under ``torch.device("meta")``, then ``to_empty`` and ``init_weights``;
* ``accelerate``: built under accelerate's ``init_empty_weights()``, then the same;
* ``fsdp2``: built on meta, each of the model's ``_no_split_modules`` blocks and the model given to
  ``fully_shard`` over ``nproc`` CPU ranks (gloo, launched by ``torch.distributed.run``), then the
  same; the full tensors are gathered, and each rank's shards kept to show that the ranks drew
  different numbers;
* ``zero3``: ``from_config`` under a DeepSpeed ZeRO-3 ``HfDeepSpeedConfig`` over ``nproc`` CPU ranks
  (DeepSpeed's CPU accelerator, gloo): every parameter is partitioned as it is created
  (``deepspeed.zero.Init``) and drawn while gathered; the full tensors are gathered again to be read.

A build on meta draws nothing while the modules are constructed, so its draws start from another
state of the generator than an eager build's: with one seed, ``meta``, ``accelerate`` and ``fsdp2``
give the same numbers as each other; ``zero3`` gives the numbers of ``eager`` on transformers 4.x
(which constructs its modules whole, then partitions them) and of ``meta`` on 5.x (which constructs
them under ``no_init_weights``, drawing nothing, and initialises them gathered on rank 0).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .build import weights

SINGLE_PROCESS_PATHS = ("eager", "meta", "accelerate")
DISTRIBUTED_PATHS = ("fsdp2", "zero3")
PATHS = SINGLE_PROCESS_PATHS + DISTRIBUTED_PATHS


@contextlib.contextmanager
def _empty_weights(path: str) -> Iterator[None]:
    import torch

    if path == "accelerate":
        from accelerate import init_empty_weights

        with init_empty_weights():
            yield
    else:
        with torch.device("meta"):
            yield


def on_meta(class_name: str, config: Any) -> Any:
    """``class_name`` built from ``config`` under ``torch.device("meta")``: no memory, nothing drawn."""
    import transformers

    with _empty_weights("meta"):
        return getattr(transformers, class_name)(config)


def materialise(model: Any, device: str = "cpu") -> Any:
    """Give a model built on meta its memory and draw its weights (``to_empty``, ``init_weights``)."""
    import torch

    model.to_empty(device=device)
    model.tie_weights()  # to_empty gives each module a new Parameter: ties are made again before the draw
    with torch.no_grad():
        model.init_weights()
    return model.eval()


def build_on(path: str, class_name: str, config: Any, seed: int) -> Any:
    """A fresh model of ``class_name`` from ``config``, seeded with ``seed``, built along one of
    :data:`SINGLE_PROCESS_PATHS`."""
    import torch
    import transformers

    if path not in SINGLE_PROCESS_PATHS:
        raise ValueError(f"unknown single-process build path {path!r}: one of {', '.join(SINGLE_PROCESS_PATHS)}")
    torch.manual_seed(seed)
    cls = getattr(transformers, class_name)
    if path == "eager":
        return cls(config).eval()
    with _empty_weights(path):
        model = cls(config)
    return materialise(model)


def holding(class_name: str, config: Any, found: dict[str, np.ndarray]) -> Any:
    """A model of ``class_name`` from ``config`` that holds ``found`` (name -> array, as
    :func:`init_parity.suite.models.build.weights` reads them: gathered weights, say), to run it. A tied
    tensor read once under its first name fills every module that shares it."""
    import torch

    model = build_on("meta", class_name, config, 0)
    model.load_state_dict({name: torch.from_numpy(array) for name, array in found.items()}, strict=False)
    return model


def local_shards(model: Any) -> dict[str, np.ndarray]:
    """Name -> this rank's part of every sharded parameter of ``model``."""
    return {
        name: parameter.to_local().detach().cpu().float().numpy()
        for name, parameter in model.named_parameters()
        if hasattr(parameter, "to_local")
    }


def shard_blocks(model: Any) -> None:
    """``fully_shard`` each block of ``model`` (its ``_no_split_modules`` classes), then the model."""
    from torch.distributed.fsdp import fully_shard

    blocks = set(getattr(model, "_no_split_modules", None) or ())
    for module in list(model.modules()):
        if module is not model and type(module).__name__ in blocks:
            fully_shard(module)
    fully_shard(model)


def _zero3_context() -> Any:
    """DeepSpeed's distributed start and a ZeRO-3 ``HfDeepSpeedConfig`` (kept alive by the caller:
    transformers reads it through a weak reference) for :func:`_worker`."""
    import deepspeed
    from transformers.integrations import HfDeepSpeedConfig

    deepspeed.init_distributed(dist_backend="gloo")
    return HfDeepSpeedConfig({"train_micro_batch_size_per_gpu": 1, "zero_optimization": {"stage": 3}})


def _worker(path: str, class_name: str, config_file: str, seeds: list[int], out: str) -> None:
    """One rank of :func:`distributed_weights`: build each seed's model along ``path`` and save what
    the parent reads (the full weights from rank 0, every rank's own parts)."""
    import torch
    import torch.distributed as dist
    import transformers

    zero3 = _zero3_context() if path == "zero3" else dist.init_process_group("gloo")
    rank = dist.get_rank()
    config = transformers.AutoConfig.from_pretrained(config_file)
    cls = getattr(transformers, class_name)
    for seed in seeds:
        torch.manual_seed(seed)
        if path == "zero3":
            import deepspeed

            model = cls._from_config(config)  # what from_config does: under deepspeed.zero.Init
            shards = {name: p.ds_tensor.detach().float().numpy() for name, p in model.named_parameters()}
            with deepspeed.zero.GatheredParameters(list(model.parameters())):
                found = weights("pt", model)
        else:
            model = on_meta(class_name, config)
            shard_blocks(model)
            materialise(model)
            found, shards = weights("pt", model), local_shards(model)
        np.savez(Path(out) / f"shards-{seed}-rank{rank}.npz", **shards)
        if rank == 0:
            np.savez(Path(out) / f"full-{seed}.npz", **found)
    dist.barrier()
    del zero3
    dist.destroy_process_group()


class DistributedBuild:
    """What :func:`distributed_weights` read back: per seed, the full weights and each rank's parts
    (name -> array: an FSDP2 shard, or a ZeRO-3 partition, flat)."""

    def __init__(self, folder: Path, seeds: list[int], nproc: int) -> None:
        self.full = {seed: dict(np.load(folder / f"full-{seed}.npz")) for seed in seeds}
        self.shards = {
            seed: [dict(np.load(folder / f"shards-{seed}-rank{rank}.npz")) for rank in range(nproc)] for seed in seeds
        }


def distributed_weights(path: str, class_name: str, config: Any, seeds: list[int], nproc: int = 2) -> DistributedBuild:
    """Build ``class_name`` from ``config`` once per seed along ``path`` (``fsdp2`` or ``zero3``)
    over ``nproc`` CPU ranks, in a ``torch.distributed.run`` launch of its own, and read back what it
    gathered."""
    if path not in DISTRIBUTED_PATHS:
        raise ValueError(f"unknown distributed build path {path!r}: one of {', '.join(DISTRIBUTED_PATHS)}")
    with tempfile.TemporaryDirectory(prefix=f"init-parity-{path}-") as folder:
        config.save_pretrained(folder)
        env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
        if path == "zero3":
            env.setdefault("DS_ACCELERATOR", "cpu")  # DeepSpeed's CPU accelerator: no GPU here
        command = [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",  # a rendezvous on a free local port: parallel launches do not collide
            "--nproc_per_node",
            str(nproc),
            "-m",
            __name__,
            json.dumps(
                {"path": path, "class_name": class_name, "config_file": folder, "seeds": list(seeds), "out": folder}
            ),
        ]
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(
                f"the {path} launch failed ({done.returncode}):\n{done.stdout[-4000:]}{done.stderr[-4000:]}"
            )
        return DistributedBuild(Path(folder), list(seeds), nproc)


if __name__ == "__main__":  # a rank of distributed_weights' launch
    _worker(**json.loads(sys.argv[1]))
