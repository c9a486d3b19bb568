"""Where the appliers go: which transformers modules, classes and methods each framework patches.

Derived from the scheme data: every ``model_type`` a family scheme covers names its modelling
modules, one per framework, by transformers' file naming.
"""

from __future__ import annotations

from dataclasses import dataclass

SUPPORTED_TRANSFORMERS = "4.57.6"


@dataclass(frozen=True)
class Target:
    framework: str
    base_class: str  # the transformers base class whose subclasses are patched
    method: str  # the method replaced on each subclass that defines it
    module_prefix: str  # modeling file prefix


TARGETS = (
    Target("pt", "PreTrainedModel", "_init_weights", "modeling_"),
    Target("tf", "TFPreTrainedModel", "build", "modeling_tf_"),
    Target("flax", "FlaxPreTrainedModel", "init_weights", "modeling_flax_"),
)


def module_names() -> dict[str, Target]:
    """Full module name -> target, for every model type with a scheme."""
    from .scheme import FAMILIES

    names: dict[str, Target] = {}
    for scheme in FAMILIES.values():
        for model_type in scheme.model_types:
            folder = model_type.replace("-", "_")
            for target in TARGETS:
                names[f"transformers.models.{folder}.{target.module_prefix}{folder}"] = target
    return names
