"""Where the appliers go: which transformers releases, modules, classes and methods each framework patches.

Derived from the scheme data: every ``model_type`` a family scheme covers names its modelling
modules, one per framework, by transformers' file naming. transformers 4.57.6 (the last release
with TensorFlow and Flax) gets the three frameworks; the 5.23.x line is PyTorch only, and there the
T5 family's configurations are patched too, so that ``tie_word_embeddings=False`` is kept
(:mod:`init_parity.runtime.untie`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ..compat import CONFIGS_FORCE_TIE, FRAMEWORKS_OF_LINE, UNTIED_CONFIG_FAMILIES, major, transformers_version
from ..scheme.naming import MODULE_PREFIXES


@dataclass(frozen=True)
class Target:
    framework: str  # "pt", "tf", "flax", or "config" (a configuration class, patched on 5.x)
    base_class: str  # the transformers base class whose subclasses are patched
    method: str  # the method replaced on each subclass that defines it
    module_prefix: str  # file prefix: modeling_, modeling_tf_, configuration_ ...


PT = Target("pt", "PreTrainedModel", "_init_weights", MODULE_PREFIXES["pt"])
TF = Target("tf", "TFPreTrainedModel", "build", MODULE_PREFIXES["tf"])
FLAX = Target("flax", "FlaxPreTrainedModel", "init_weights", MODULE_PREFIXES["flax"])
CONFIG = Target("config", "PreTrainedConfig", "__post_init__", "configuration_")

_BY_FRAMEWORK = {"pt": PT, "tf": TF, "flax": FLAX}
# by transformers' major version: the model classes of its frameworks, and the configurations of the
# families whose configurations force the tie there (the 5.x line)
TARGETS = {
    line: tuple(_BY_FRAMEWORK[framework] for framework in frameworks) + ((CONFIG,) if CONFIGS_FORCE_TIE[line] else ())
    for line, frameworks in FRAMEWORKS_OF_LINE.items()
}


def module_names(version: str | None = None) -> dict[str, Target]:
    """Full module name -> target, for every model type with a scheme, on the line of ``version``
    (default: the transformers being imported)."""
    return _module_names(major(version or transformers_version()))


@functools.cache
def _module_names(line: str) -> dict[str, Target]:
    from ..scheme import FAMILIES

    names: dict[str, Target] = {}
    for scheme in FAMILIES.values():
        for model_type in scheme.model_types:
            folder = model_type.replace("-", "_")
            for target in TARGETS[line]:
                if target is CONFIG and scheme.family not in UNTIED_CONFIG_FAMILIES:
                    continue
                names[f"transformers.models.{folder}.{target.module_prefix}{folder}"] = target
    return names
