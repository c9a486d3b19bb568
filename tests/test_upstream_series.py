"""The 5.x pull-request series of ``init-parity upstream`` on a small stand-in tree, with a stand-in fix.

The tree has one encoder-decoder model type (bart: a modelling file and a test file whose test class mixes in
``ModelTesterMixin``) and the common test file; the stand-in fix changes one constant of the modelling file and names
bart's test class as failing on the stock tree. The series is built in the tree's own git repository, as
:mod:`init_parity.upstream.series_command` builds it in a temporary worktree.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from init_parity.scheme import FAMILIES
from init_parity.upstream import helper, model_tests, series, series_description, stock_failures
from init_parity.upstream.checkout import COMMON_TESTS, HELPER_FILE

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("upstream")]

MODELING = "src/transformers/models/bart/modeling_bart.py"
TEST_FILE = "tests/models/bart/test_modeling_bart.py"
COMMON = '''\
"""A stand-in for transformers' tests/test_modeling_common.py."""

import copy
import inspect
import math

from .test_configuration_common import ConfigTester  # noqa: F401


class ModelTesterMixin:
    all_model_classes = ()
'''
BART_TESTS = """\
import tempfile
import unittest

from parameterized import parameterized

from transformers import BartConfig

from ...test_modeling_common import ModelTesterMixin


class BartModelTester:
    pass


class BartModelTest(ModelTesterMixin, unittest.TestCase):
    all_model_classes = ()

    def test_something(self):
        pass


class BartHeadTests(unittest.TestCase):
    pass
"""
REASON = "the stand-in draws std 0.5 against init_std 0.02"


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout


def _edit(root: Path) -> dict[str, str]:
    text = (root / MODELING).read_text()
    return {MODELING: text.replace("STD = 0.5", "STD = 0.02")} if "STD = 0.5" in text else {}


STAND_IN_FIX = series.Fix(
    slug="bart-std",
    title="Draw the stand-in's weights with init_std",
    reasons={"bart": REASON},
    edit=_edit,
    description=lambda root, files: "# Draw the stand-in's weights with init_std\n\n## What does this PR do?\n\nIt.\n",
)


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key, value in {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}.items():
        monkeypatch.setenv(key, value)
        monkeypatch.setenv(key.replace("AUTHOR", "COMMITTER"), value)
    monkeypatch.setattr(stock_failures, "FAILING_CLASSES", {"BartModelTest": "bart"})
    files = {
        "src/transformers/__init__.py": '__version__ = "5.0.0.dev0"\n',
        MODELING: "STD = 0.5\n",
        "tests/__init__.py": "",
        COMMON_TESTS: COMMON,
        TEST_FILE: BART_TESTS,
        "pyproject.toml": "[tool.ruff]\nline-length = 119\n",
    }
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "stand-in")
    return tmp_path


def _build(root: Path, upto: int | None = None) -> list[series.Step]:
    return series.build(root, [STAND_IN_FIX], series_description.describe_tests, upto=upto)


def test_the_tests_pr_declares_the_scheme_and_marks_the_failing_class(tree: Path) -> None:
    first, fix = _build(tree)
    assert set(first.files) == {HELPER_FILE, COMMON_TESTS, TEST_FILE}
    marked = first.files[TEST_FILE]
    assert '    all_model_classes = ()\n    init_scheme = "bart"\n' in marked
    assert model_tests.marks(marked) == {"bart-std"}
    assert model_tests.mark_reasons(marked) == [("bart-std", REASON)]
    assert "import unittest\n\nimport pytest\nfrom parameterized import parameterized\n" in marked
    assert "class BartHeadTests(unittest.TestCase):\n    pass\n" in marked  # other classes untouched
    assert helper.families_in(first.files[HELPER_FILE]) == ["bart"]
    assert f"| `{TEST_FILE}` | PR 2 (`bart-std`) | {REASON} |" in first.description
    assert fix.number == 2 and fix.branch() == "init-scheme/02-bart-std"


def test_the_fix_applies_its_edit_and_removes_its_marks(tree: Path) -> None:
    first, fix = _build(tree)
    assert set(fix.files) == {MODELING, TEST_FILE}
    assert fix.files[MODELING] == "STD = 0.02\n"
    unmarked = fix.files[TEST_FILE]
    assert model_tests.marks(unmarked) == set()
    assert unmarked == BART_TESTS.replace(
        "    all_model_classes = ()\n", '    all_model_classes = ()\n    init_scheme = "bart"\n'
    )
    assert _git(tree, "log", "--format=%s", "-2").splitlines() == [fix.title, series.TESTS_TITLE]


def test_a_tree_that_holds_the_series_gets_no_change(tree: Path) -> None:
    _build(tree)
    again = _build(tree)
    assert [step.files for step in again] == [{}, {}]
    assert not any(step.commit for step in again)


def test_a_tree_that_holds_the_fix_gets_no_mark(tree: Path) -> None:
    (tree / MODELING).write_text("STD = 0.02\n")
    _git(tree, "commit", "-qam", "fixed")
    first, fix = _build(tree)
    assert model_tests.marks(first.files[TEST_FILE]) == set()
    assert fix.files == {}


def test_the_series_stops_at_the_pr_asked_for(tree: Path) -> None:
    steps = _build(tree, upto=1)
    assert [step.slug for step in steps] == [series.TESTS_SLUG]
    assert series.outline([STAND_IN_FIX]) == [
        (1, series.TESTS_SLUG, series.TESTS_TITLE),
        (2, "bart-std", STAND_IN_FIX.title),
    ]


def test_a_sub_model_tester_is_not_declared() -> None:
    source = BART_TESTS.replace("class BartModelTest(", "class Pix2StructTextModelTest(")
    assert model_tests.tester_classes(source) == []
    assert model_tests.declare(source, "bart") == (source, [])


def test_the_helper_renders_every_kind_of_rule() -> None:
    """The generated helper with every family, run as is: padding rows, computed tables, tensors left to the model,
    uniform draws, and a constant whose config attribute is missing."""
    import torch
    from transformers import BartConfig, PegasusConfig

    source = helper.generate(list(FAMILIES))
    namespace: dict = {}
    exec(compile(source, "init_scheme_utils.py", "exec"), namespace)  # our generated module, run as is
    rules = namespace["scheme_rules"]
    tokens = next(r for r in rules("bart", BartConfig(pad_token_id=1)) if r.role == "embedding.tokens")
    assert tokens.kind == "normal" and tokens.zero_row == 1 and tokens.value == pytest.approx(0.02)
    positions = namespace["rule_for"](rules("pegasus", PegasusConfig()), "model.encoder.embed_positions.weight")
    assert positions.kind == "computed"
    assert rules("t5", _t5())[0].kind == "left"  # UDOP's vision parts, ahead of every rule
    rt_detr = [r for r in rules("rt_detr", _rt_detr()) if r.role == "decoder.reg_scale"]
    assert rt_detr and rt_detr[0].value is None  # RTDetrConfig has no reg_scale on 5.x
    rule = namespace["InitRule"]("r", "x", "uniform", 0.3)
    values = (torch.rand(4000, generator=torch.Generator().manual_seed(0)) * 2 - 1) * 0.3
    assert namespace["std_p_value"](values, rule) > 1e-3 and namespace["ks_p_value"](values, rule) > 1e-3
    assert namespace["std_p_value"](values * 1.1, rule) < 1e-6


def _t5():
    from transformers import T5Config

    return T5Config()


def _rt_detr():
    from transformers import RTDetrConfig

    config = RTDetrConfig(use_pretrained_backbone=False)
    if hasattr(config, "reg_scale"):
        pytest.skip("this transformers' RTDetrConfig has reg_scale")
    return config


def test_a_mark_in_a_copied_class_is_ignored_by_the_copy_check() -> None:
    source = BART_TESTS.replace(
        "class BartModelTest(",
        "# Copied from tests.models.t5.test_modeling_t5.T5ModelTest with T5->Bart\nclass BartModelTest(",
    )
    assert model_tests.copied_from(source) == {"BartModelTest": "T5ModelTest"}
    new, _ = model_tests.declare(source, "bart", {"BartModelTest": model_tests.KnownFailure("bart-std", REASON)})
    assert (
        "\n    # Ignore copy\n    # Known failure of the stock initialization, removed by the fix `bart-std`\n" in new
    )
    assert model_tests.marks(new) == {"bart-std"}
