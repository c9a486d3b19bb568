"""Two guards of the scheme's machinery: the whitelist of scheme formulas (a formula is evaluated, so anything
beyond arithmetic over config attributes is refused with a clear error before it runs) and the bound on the PyTorch
applier's plans (at most ``_MAX_PLANS`` model shapes remembered, the oldest forgotten first, and a forgotten shape
planned anew with the same draws)."""

from __future__ import annotations

import pytest
import torch
import transformers

import init_parity
from init_parity.runtime.appliers import torch_applier
from init_parity.scheme import formula
from init_parity.scheme.formula import FormulaError
from init_parity.suite.models.tiny_configs import tiny_config


@pytest.mark.parametrize(
    ("text", "node"),
    [
        ("__import__('os').getcwd()", "Call"),
        ("d_model if d_kv else 0", "IfExp"),
        ("d_model > 3", "Compare"),
        ("(lambda: d_model)", "Lambda"),
        ("[d_model for _ in range(3)]", "ListComp"),
    ],
)
def test_a_formula_beyond_arithmetic_is_refused_before_it_runs(text, node):
    config = {"d_model": 64, "d_kv": 16}
    for read in (lambda: formula.evaluate(text, config), lambda: formula.names(text), lambda: formula.to_code(text)):
        with pytest.raises(FormulaError, match=rf"{node} is not allowed in a scheme formula"):
            read()


def test_the_formulas_the_whitelist_allows():
    config = {"initializer_factor": 2.0, "d_model": 64, "d_kv": 16, "sizes": [3, 5], "flag": True}
    assert formula.evaluate("initializer_factor * (d_model * d_kv) ** -0.5", config) == 2.0 * 1024**-0.5
    assert formula.evaluate("-sizes[1] + (flag and 1)", config) == -4
    with pytest.raises(FormulaError, match="reads 'd_ff', which the config dict does not have"):
        formula.evaluate("d_ff * 2", config)


def _t5(factor: float):
    return tiny_config("t5", initializer_factor=factor)


def test_the_oldest_plan_is_forgotten_and_planned_anew(monkeypatch):
    plans: dict = {}
    monkeypatch.setattr(torch_applier, "_PLANS", plans)
    monkeypatch.setattr(torch_applier, "_MAX_PLANS", 2)
    with init_parity.use_scheme(True):
        torch.manual_seed(0)
        first = transformers.T5Model(_t5(1.0)).state_dict()
        oldest = next(iter(plans))
        for factor in (2.0, 4.0):  # two more shapes' signatures: the first is forgotten
            transformers.T5Model(_t5(factor))
        assert len(plans) == 2 and oldest not in plans
        torch.manual_seed(0)
        again = transformers.T5Model(_t5(1.0)).state_dict()  # planned anew
    assert oldest in plans and len(plans) == 2
    for name, value in first.items():
        assert torch.equal(value, again[name]), name
