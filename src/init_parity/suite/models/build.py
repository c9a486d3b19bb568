"""Fresh models, built from a config in one framework with one seed, and their weights as numpy
arrays keyed by PyTorch names, in PyTorch's layout, each tensor once."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...scheme.naming import flax_name, tf_name, to_pt_layout
from ..frameworks import require


def build_model(framework: str, class_name: str, config: Any, seed: int) -> Any:
    """A freshly initialised model of ``class_name`` (a transformers class) seeded with ``seed``."""
    require(framework)
    import transformers

    cls = getattr(transformers, class_name)
    if framework == "pt":
        import torch

        torch.manual_seed(seed)
        return cls(config).eval()
    if framework == "tf":
        import tensorflow as tf

        tf.random.set_seed(seed)
        model = cls(config)
        model.build_in_name_scope()
        return model
    return cls(config, seed=seed)


def weights(framework: str, model: Any) -> dict[str, np.ndarray]:
    """Name -> array of every distinct tensor of ``model`` (tied tensors once, under their first name;
    a PyTorch model's sharded tensors gathered whole)."""
    if framework == "pt":
        found = {name: _whole(p) for name, p in model.named_parameters()}
        # persistent float buffers are weights too (BART's final_logits_bias is a TF / Flax variable)
        persistent = set(model.state_dict())
        for name, buffer in model.named_buffers():
            if buffer.is_floating_point() and name in persistent:
                found.setdefault(name, _whole(buffer))
        return found
    if framework == "tf":
        found: dict[str, np.ndarray] = {}
        seen: set[int] = set()
        for variable in model.weights:
            if id(variable) in seen:
                continue
            seen.add(id(variable))
            name, transposed = tf_name(variable.name, variable.shape)
            found.setdefault(name, to_pt_layout(variable.numpy(), transposed))
        return found
    from flax.traverse_util import flatten_dict

    found = {}
    for path, value in flatten_dict(model.params).items():
        name, transposed = flax_name(path)
        found[name] = to_pt_layout(np.asarray(value), transposed)
    return found


def _whole(tensor: Any) -> np.ndarray:
    """A PyTorch tensor as an array; a sharded one (an FSDP2 ``DTensor``) gathered whole first (a
    collective: every rank of its mesh calls it)."""
    if hasattr(tensor, "full_tensor"):
        tensor = tensor.full_tensor()
    return tensor.detach().cpu().float().numpy()


def fresh_weights(framework: str, class_name: str, config: Any, seed: int = 0) -> dict[str, np.ndarray]:
    return weights(framework, build_model(framework, class_name, config, seed))
