"""Parameter names and layouts across frameworks, mapped onto PyTorch's.

The scheme names parameters as PyTorch does. TensorFlow names go through transformers' own
``convert_tf_weight_name_to_pt_weight_name``; Flax paths are joined with dots and their leaf
names (``kernel``, ``embedding``, ``scale``) renamed as transformers' Flax <-> PyTorch
conversion does. Kernels are brought to PyTorch's (out, in, ...) layout so that rows mean the
same thing in every framework.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

FRAMEWORKS = ("pt", "tf", "flax")
FRAMEWORK_TITLES = {"pt": "PyTorch", "tf": "TensorFlow", "flax": "Flax"}
# transformers' spelling of each framework: class names (T5Model, TFT5Model, FlaxT5Model), modelling
# modules (modeling_t5, modeling_tf_t5, modeling_flax_t5) and auto mappings (MODEL_MAPPING_NAMES, TF_..., FLAX_...)
CLASS_PREFIXES = {"pt": "", "tf": "TF", "flax": "Flax"}
MODULE_PREFIXES = {"pt": "modeling_", "tf": "modeling_tf_", "flax": "modeling_flax_"}
AUTO_MODULES = {framework: f"{prefix}auto" for framework, prefix in MODULE_PREFIXES.items()}
MAPPING_PREFIXES = {framework: f"{prefix.upper()}_" if prefix else "" for framework, prefix in CLASS_PREFIXES.items()}

_FLAX_LEAVES = {"kernel": "weight", "embedding": "weight", "scale": "weight"}


def counterpart_name(pt_class_name: str, framework: str) -> str:
    """transformers' naming: ``T5Model`` -> ``TFT5Model`` / ``FlaxT5Model``."""
    return CLASS_PREFIXES[framework] + pt_class_name


def pytorch_class_name(class_name: str) -> str:
    """``TFT5Model`` / ``FlaxT5Model`` -> ``T5Model``."""
    for prefix in filter(None, CLASS_PREFIXES.values()):
        if class_name.startswith(prefix) and class_name[len(prefix) : len(prefix) + 1].isupper():
            return class_name[len(prefix) :]
    return class_name


def _kernel_to_pt(array: np.ndarray) -> np.ndarray:
    """(in, out) -> (out, in); conv (..., in, out) -> (out, in, ...)."""
    if array.ndim == 2:
        return array.T
    if array.ndim > 2:
        return np.moveaxis(np.moveaxis(array, -1, 0), -1, 1)
    return array


def tf_name(variable_name: str, shape: Sequence[int]) -> tuple[str, bool]:
    """The PyTorch name of a TF variable (``tft5_model/encoder/block_._0/.../q/kernel:0``), and
    whether its array is a kernel stored transposed with respect to PyTorch."""
    from transformers.modeling_tf_pytorch_utils import TransposeType, convert_tf_weight_name_to_pt_weight_name

    name, transpose = convert_tf_weight_name_to_pt_weight_name(variable_name, tf_weight_shape=list(shape))
    return name, transpose != TransposeType.NO


def flax_name(path: Sequence[str]) -> tuple[str, bool]:
    """The PyTorch name of a Flax parameter path, and whether it is a (transposed) kernel."""
    parts = [str(p) for p in path]
    is_kernel = parts[-1] == "kernel"
    parts[-1] = _FLAX_LEAVES.get(parts[-1], parts[-1])
    return ".".join(parts), is_kernel


def to_pt_layout(array: np.ndarray, transposed: bool) -> np.ndarray:
    return _kernel_to_pt(array) if transposed else array


def align_prefix(arrays: dict[str, np.ndarray], reference: set[str]) -> dict[str, np.ndarray]:
    """``arrays`` renamed so its names line up with ``reference`` (PyTorch's): TF and Flax base models
    keep their body under a prefix (``model.``, ``led.``) where PyTorch's base model has none, and
    the other way round. Of: as they are, without their first name part, or with the prefix the
    reference uses, the renaming that matches most reference names wins."""
    prefixes = {name.split(".", 1)[0] for name in reference if "." in name}
    candidates = [dict(arrays), {(n.split(".", 1)[1] if "." in n else n): a for n, a in arrays.items()}]
    candidates += [{f"{p}.{n}": a for n, a in arrays.items()} for p in sorted(prefixes)]
    return max(candidates, key=lambda renamed: (len(reference & set(renamed)), renamed is candidates[0]))
