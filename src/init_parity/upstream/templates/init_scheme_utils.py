# Copyright 2025 The HuggingFace Team. All rights reserved.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.
"""
Initialization schemes of model families, and the statistical checks `test_init_scheme` runs on fresh weights.

Each parameter a scheme names is pooled with the others of its role (all layers, a few seeds). A drawn role gets a
Kolmogorov-Smirnov test of its shape and a chi-squared test of its std against the scheme's normal distribution; a
constant role must hold its value exactly. The p-values of one model class are Bonferroni-corrected so that a correct
model fails with probability at most `FAMILY_WISE_ALPHA`. The builds are seeded, so the outcome is deterministic.
"""

import copy
import math
import re
from typing import NamedTuple

from transformers.utils import is_torch_available

if is_torch_available():
    import torch

FAMILY_WISE_ALPHA = 1e-3  # false-alarm rate of one model class
MIN_SAMPLES = 1000  # values per drawn role, reached with up to MAX_SEEDS builds
MAX_SEEDS = 16


class InitRule(NamedTuple):
    role: str
    pattern: str  # searched in the parameter name
    kind: str  # "normal" (`value` is the std) or "constant"
    value: float
    when: bool = True  # the rule applies to this config


def _normal_cdf(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * torch.erfc(-x / math.sqrt(2.0))


def ks_normal_p_value(values: torch.Tensor, std: float) -> float:
    """Kolmogorov-Smirnov test of `values` against N(0, std), asymptotic p-value with Stephens' correction."""
    n = values.numel()
    cdf = _normal_cdf(values.double().flatten().sort().values / std)
    ranks = torch.arange(1, n + 1, dtype=torch.float64)
    distance = torch.maximum(ranks / n - cdf, cdf - (ranks - 1) / n).max().item()
    lam = (math.sqrt(n) + 0.12 + 0.11 / math.sqrt(n)) * distance
    p_value = 2 * sum((-1) ** (k - 1) * math.exp(-2 * (k * lam) ** 2) for k in range(1, 101))
    return min(1.0, max(0.0, p_value))


def std_p_value(values: torch.Tensor, std: float) -> float:
    """Two-sided test of std(values) = `std` for mean-zero normal values: sum(x^2)/std^2 is chi-squared with n
    degrees of freedom, turned into a normal deviate by the Wilson-Hilferty transform."""
    n = values.numel()
    ratio = (values.double().pow(2).mean().item() / std**2) ** (1 / 3)
    z = (ratio - (1 - 2 / (9 * n))) / math.sqrt(2 / (9 * n))
    return math.erfc(abs(z) / math.sqrt(2))


def scheme_rules(config) -> tuple[InitRule, ...] | None:
    """The rules of `config`'s family for this config, or `None` when the family has no scheme."""
    rules = INIT_SCHEMES.get(getattr(config, "model_type", None))
    return rules(config) if rules is not None else None


def rule_for(rules: tuple[InitRule, ...], name: str) -> InitRule | None:
    return next((rule for rule in rules if rule.when and re.search(rule.pattern, name)), None)


def with_tie(config, tied: bool):
    """`config` with `tie_word_embeddings=tied`, made by its class so that what the class derives from the flag
    (T5's `scale_decoder_outputs`) follows it."""
    values = {key: value for key, value in config.to_dict().items() if key != "scale_decoder_outputs"}
    return config.__class__.from_dict({**values, "tie_word_embeddings": tied})


def init_scheme_failures(model_class, config) -> list[str]:
    """What in fresh weights of `model_class(config)` disagrees with the scheme (an empty list when all agree)."""
    torch.manual_seed(0)
    model = model_class(config)
    builds = [dict(model.named_parameters())]
    # A tied lm_head is not a parameter of its own; one that is gets the untied rule, whatever the config says
    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    rules_config = copy.copy(config)
    rules_config.tie_word_embeddings = head is not None and head.weight is model.get_input_embeddings().weight
    rules = scheme_rules(rules_config)
    by_role = {}
    for name in builds[0]:
        rule = rule_for(rules, name)
        if rule is not None:
            by_role.setdefault(rule, []).append(name)
    sizes = [
        sum(builds[0][name].numel() for name in names) for rule, names in by_role.items() if rule.kind == "normal"
    ]
    for seed in range(1, min(MAX_SEEDS, math.ceil(MIN_SAMPLES / min(sizes, default=MIN_SAMPLES)))):
        torch.manual_seed(seed)
        builds.append(dict(model_class(config).named_parameters()))
    tests = sum(2 if rule.kind == "normal" else 0 for rule in by_role)
    threshold = FAMILY_WISE_ALPHA / max(tests, 1)  # Bonferroni
    failures = []
    for rule, names in by_role.items():
        values = torch.cat([build[name].detach().flatten() for build in builds for name in names])
        where = f"{rule.role} ({', '.join(names[:2])}{', ...' if len(names) > 2 else ''})"
        if rule.kind == "constant":
            if not torch.all(values == rule.value):
                failures.append(f"{where}: expected the constant {rule.value}, found {values.unique()[:5].tolist()}")
            continue
        found = values.double().pow(2).mean().sqrt().item()
        for test, p_value in (("std", std_p_value(values, rule.value)), ("KS", ks_normal_p_value(values, rule.value))):
            if p_value < threshold:
                failures.append(
                    f"{where}: {test} test p={p_value:.2e} < {threshold:.1e} against normal(0, {rule.value:.4g}), "
                    f"measured std {found:.4g} over {values.numel()} values"
                )
    return failures


INIT_SCHEMES = {}  # rendered from the scheme data by `init-parity upstream`
