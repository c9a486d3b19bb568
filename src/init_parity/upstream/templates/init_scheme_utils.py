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
Initialization schemes of encoder-decoder models, and the statistical checks `test_init_scheme` runs on fresh weights.

A test class declares the scheme of its model by name (`init_scheme = "bart"`); the scheme is a function of the config
returning one `InitRule` per parameter role, first match wins. Each parameter a drawn rule names is tested on its own
(the tensor) and pooled with the others of its role (all layers, a few seeds): a Kolmogorov-Smirnov test of its shape
and a test of its std against the rule's distribution. A constant role must hold its value exactly, and the padding
row a rule names must be zero. The p-values of one model class are Bonferroni-corrected so that a correct model fails
with probability at most `FAMILY_WISE_ALPHA`. The builds are seeded, so the outcome is deterministic.
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
MIN_TENSOR_SAMPLES = 100  # a tensor with fewer drawn values is tested only within its role


class InitRule(NamedTuple):
    role: str
    pattern: str  # searched in the parameter name
    # "normal" (`value` is the std), "uniform" (on [-value, value]), "constant" (the value), or not checked here:
    # "computed" (a table the model computes, such as sinusoidal positions) and "left" (the model's own code draws it)
    kind: str
    value: float = 0.0
    when: bool = True  # the rule applies to this config
    zero_row: int | None = None  # a row that must be zero (the padding token's embedding)


def _normal_cdf(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * torch.erfc(-x / math.sqrt(2.0))


def _cdf(rule: InitRule, values: torch.Tensor) -> torch.Tensor:
    if rule.kind == "uniform":
        return ((values / rule.value + 1) / 2).clamp(0, 1)
    return _normal_cdf(values / rule.value)


def ks_p_value(values: torch.Tensor, rule: InitRule) -> float:
    """Kolmogorov-Smirnov test of `values` against the rule's distribution, asymptotic p-value with Stephens'
    correction."""
    n = values.numel()
    cdf = _cdf(rule, values.double().flatten().sort().values)
    ranks = torch.arange(1, n + 1, dtype=torch.float64)
    distance = torch.maximum(ranks / n - cdf, cdf - (ranks - 1) / n).max().item()
    lam = (math.sqrt(n) + 0.12 + 0.11 / math.sqrt(n)) * distance
    p_value = 2 * sum((-1) ** (k - 1) * math.exp(-2 * (k * lam) ** 2) for k in range(1, 101))
    return min(1.0, max(0.0, p_value))


def std_p_value(values: torch.Tensor, rule: InitRule) -> float:
    """Two-sided test of the std of mean-zero `values`. Normal: sum(x^2)/std^2 is chi-squared with n degrees of
    freedom, turned into a normal deviate by the Wilson-Hilferty transform. Uniform on [-a, a]: mean(x^2) is
    asymptotically normal with mean a^2/3 and variance 4a^4/(45n)."""
    n = values.numel()
    mean_square = values.double().pow(2).mean().item()
    if rule.kind == "uniform":
        z = (mean_square - rule.value**2 / 3) / math.sqrt(4 * rule.value**4 / (45 * n))
    else:
        ratio = (mean_square / rule.value**2) ** (1 / 3)
        z = (ratio - (1 - 2 / (9 * n))) / math.sqrt(2 / (9 * n))
    return math.erfc(abs(z) / math.sqrt(2))


def expected_std(rule: InitRule) -> float:
    return rule.value / math.sqrt(3) if rule.kind == "uniform" else rule.value


def scheme_rules(scheme: str, config) -> tuple[InitRule, ...]:
    return INIT_SCHEMES[scheme](config)


def rule_for(rules: tuple[InitRule, ...], name: str) -> InitRule | None:
    return next((rule for rule in rules if rule.when and re.search(rule.pattern, name)), None)


def with_tie(config, tied: bool):
    """`config` with `tie_word_embeddings=tied`, made by its class so that what the class derives from the flag
    (T5's `scale_decoder_outputs`) follows it."""
    values = {key: value for key, value in config.to_dict().items() if key != "scale_decoder_outputs"}
    return config.__class__.from_dict({**values, "tie_word_embeddings": tied})


def tie_failures(model) -> list[str]:
    """The ties the model declares for its config (`get_expanded_tied_weights_keys`) that do not hold."""
    if not hasattr(model, "get_expanded_tied_weights_keys"):
        return []
    parameters = dict(model.named_parameters(remove_duplicate=False))
    return [
        f"{target} is not tied to {source}"
        for target, source in model.get_expanded_tied_weights_keys().items()
        if target in parameters and source in parameters and parameters[target] is not parameters[source]
    ]


def _drawn(rule: InitRule, tensor: torch.Tensor) -> torch.Tensor:
    """The values the rule draws: all but its zero row."""
    if rule.zero_row is None or tensor.dim() == 0 or not 0 <= rule.zero_row < tensor.shape[0]:
        return tensor.flatten()
    keep = torch.ones(tensor.shape[0], dtype=torch.bool)
    keep[rule.zero_row] = False
    return tensor[keep].flatten()


def init_scheme_failures(model_class, config, scheme: str) -> list[str]:
    """What in fresh weights of `model_class(config)` disagrees with `scheme` (an empty list when all agree)."""
    torch.manual_seed(0)
    model = model_class(config)
    builds = [{name: value.detach() for name, value in model.named_parameters()}]
    # A tied lm_head is not a parameter of its own; one that is gets the untied rule, whatever the config says
    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    rules_config = copy.copy(config)
    rules_config.tie_word_embeddings = head is not None and head.weight is model.get_input_embeddings().weight
    rules = scheme_rules(scheme, rules_config)
    by_role = {}
    for name in builds[0]:
        rule = rule_for(rules, name)
        if rule is not None and rule.kind not in ("computed", "left"):
            by_role.setdefault(rule, []).append(name)
    drawn = {rule: names for rule, names in by_role.items() if rule.kind in ("normal", "uniform")}
    sizes = [sum(builds[0][name].numel() for name in names) for names in drawn.values()]
    for seed in range(1, min(MAX_SEEDS, math.ceil(MIN_SAMPLES / max(min(sizes, default=MIN_SAMPLES), 1)))):
        torch.manual_seed(seed)
        builds.append({name: value.detach() for name, value in model_class(config).named_parameters()})
    tensors = [(rule, name) for rule, names in drawn.items() for name in names]
    tensors = [(rule, name) for rule, name in tensors if _drawn(rule, builds[0][name]).numel() >= MIN_TENSOR_SAMPLES]
    threshold = FAMILY_WISE_ALPHA / max(2 * (len(drawn) + len(tensors)), 1)  # Bonferroni
    failures = []

    def test(where: str, rule: InitRule, values: torch.Tensor) -> None:
        found = values.double().pow(2).mean().sqrt().item()
        for kind, p_value in (("std", std_p_value(values, rule)), ("KS", ks_p_value(values, rule))):
            if p_value < threshold:
                failures.append(
                    f"{where}: {kind} test p={p_value:.2e} < {threshold:.1e} against {rule.kind}(std "
                    f"{expected_std(rule):.4g}), measured std {found:.4g} over {values.numel()} values"
                )

    for rule, names in by_role.items():
        where = f"{rule.role} ({', '.join(names[:2])}{', ...' if len(names) > 2 else ''})"
        if rule.kind == "constant":
            values = torch.cat([build[name].flatten() for build in builds for name in names])
            if not torch.all(values == rule.value):
                failures.append(f"{where}: expected the constant {rule.value}, found {values.unique()[:5].tolist()}")
            continue
        if rule.zero_row is not None:
            for name in names:
                row = builds[0][name][rule.zero_row] if builds[0][name].dim() else None
                if row is not None and not torch.all(row == 0):
                    failures.append(
                        f"{name}: row {rule.zero_row} (padding) is not zero, max |x| = {row.abs().max().item():.4g}"
                    )
        test(where, rule, torch.cat([_drawn(rule, build[name]) for build in builds for name in names]))
    for rule, name in tensors:
        test(f"{rule.role} tensor {name}", rule, _drawn(rule, builds[0][name]))
    return failures


INIT_SCHEMES = {}  # rendered from the scheme data by `init-parity upstream`
