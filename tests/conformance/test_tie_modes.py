"""The report and the invariants test check both tie modes, as the mixin does: a defect of the mode the tiny config
does not use (T5's is untied, BART's tied) fails them. Each defect is injected as in ``test_defects.py``: a subclass
of the real class in its place in the ``transformers`` namespace."""

from __future__ import annotations

import pytest

from init_parity.report import collect
from init_parity.suite import building
from init_parity.suite.invariants import check_model
from init_parity.suite.models.tiny_configs import tiny_config
from init_parity.suite.tie_modes import other_tie_mode, tie_mode_of
from tests.conformance.test_defects import broken

pytestmark = pytest.mark.xdist_group("defects")

T5_LM = "T5ForConditionalGeneration"
BART_LM = "BartForConditionalGeneration"


@pytest.fixture(autouse=True)
def fresh_cache():
    building.clear_cache()
    yield
    building.clear_cache()


def _drop_tied_rescale(model):
    if model.config.tie_word_embeddings:
        model.model_dim = 1.0  # T5 multiplies the tied decoder output by model_dim ** -0.5


def _tie_untied_head(model):
    if not model.config.tie_word_embeddings:
        model.lm_head.weight = model.model.shared.weight


def _report(model_type: str):
    (family,) = collect.plan([model_type], ("pt",))
    collect.collect([family], ("scheme",), seeds=None)
    return family.modes["scheme"]


def test_the_tiny_configs_use_one_mode_each():
    assert (tie_mode_of(tiny_config("t5")), tie_mode_of(tiny_config("bart"))) == ("untied", "tied")
    mode, config = other_tie_mode(T5_LM, tiny_config("t5"))
    assert (mode, tie_mode_of(config)) == ("tied", "tied")
    assert other_tie_mode("T5Model", tiny_config("t5")) is None  # no LM head: the mode decides nothing


@pytest.mark.parametrize(
    ("model_type", "class_name", "edit", "other", "finding"),
    [
        ("t5", T5_LM, _drop_tied_rescale, "tied", "first loss"),
        ("bart", BART_LM, _tie_untied_head, "untied", "ties"),
    ],
    ids=["tied-t5-without-rescale", "untied-bart-head-tied"],
)
def test_a_defect_of_the_other_tie_mode_fails_the_report(monkeypatch, model_type, class_name, edit, other, finding):
    assert _report(model_type).passed
    broken(monkeypatch, class_name, edit)
    building.clear_cache()
    result = _report(model_type)
    assert not result.passed
    assert result.check.passed, "the tiny config's own mode is right: only the other may fail"
    assert result.other_tie_mode == other
    assert result.failure() == "drift"
    assert finding in result.other_tie.drifting_roles(), result.other_tie.describe_drifts()
    assert f"; {other}: drifts in {finding}" in collect.summary_line(
        collect.FamilyReport(model_type, ("pt",), (), {"pt": class_name}, {"scheme": result})
    )


@pytest.mark.parametrize(
    ("model_type", "class_name", "edit", "check"),
    [("t5", T5_LM, _drop_tied_rescale, "first_loss_bound"), ("bart", BART_LM, _tie_untied_head, "tie")],
    ids=["tied-t5-without-rescale", "untied-bart-head-tied"],
)
def test_a_defect_of_the_other_tie_mode_fails_the_invariants(monkeypatch, model_type, class_name, edit, check):
    from tests.conformance.test_invariants import invariant_configs

    broken(monkeypatch, class_name, edit)
    reports = {
        mode: check_model(model_type, class_name, config) for mode, config in invariant_configs(model_type, class_name)
    }
    assert sorted(reports) == ["tied", "untied"]
    failing = {mode: [name for name, lines in report.findings.items() if lines] for mode, report in reports.items()}
    other = "tied" if model_type == "t5" else "untied"
    assert failing == {other: [check], ("untied" if other == "tied" else "tied"): []}, failing
