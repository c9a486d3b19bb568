"""``init-parity upstream`` end to end, on a checkout-shaped copy of the installed transformers.

The installed package is laid out as ``src/transformers/`` in a temporary git repository (hard
links, except the files the generator owns, which are real copies, so that nothing can write
through to the installed package), with a stand-in ``tests/test_modeling_common.py`` and model
page. The stock copy is checked with the conformance suite in a subprocess (it must fail); the
generator dry-runs, runs, runs again and is refused a dirty tree and an existing branch; the
patched copy is checked in a subprocess with our runtime patch off (``INIT_PARITY=0``), the
conformance suite and the test the generator added to ``ModelTesterMixin``. The whole sequence
runs once per session (once across pytest-xdist workers) and is recorded; each test asserts one
part of the record.
"""

from __future__ import annotations

import importlib.metadata
import io
import json
import os
import shutil
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from init_parity.cli import EXIT_BAD_INPUT, EXIT_OK, main
from init_parity.scheme import FAMILIES
from init_parity.upstream.checkout import HELPER_FILE, modeling_file, owned_files

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("upstream")]

SCHEME = FAMILIES["t5"]
BRANCH = "fix-t5-init-parity"
FIVE = importlib.metadata.version("transformers").startswith("5.")  # the 5.x line writes the pull-request series
SERIES_TESTS_BRANCH = "init-scheme/01-init-scheme-tests"
SERIES_T5_BRANCH = "init-scheme/02-t5-family-init"
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Init Parity Test",
    "GIT_AUTHOR_EMAIL": "init-parity@example.com",
    "GIT_COMMITTER_NAME": "Init Parity Test",
    "GIT_COMMITTER_EMAIL": "init-parity@example.com",
}

MIXIN_STAND_IN = '''\
"""A stand-in for transformers' tests/test_modeling_common.py: the mixin the generator edits."""

import copy
import inspect
import math

import torch

from .test_configuration_common import ConfigTester  # noqa: F401


class ModelTesterMixin:
    model_tester = None
    all_model_classes = ()

    def _prepare_for_class(self, inputs_dict, model_class, return_labels=False):
        return copy.deepcopy(inputs_dict)

    def test_config(self):
        config, _ = self.model_tester.prepare_config_and_inputs_for_common()
        self.assertIsNotNone(config)

    def test_model_classes_are_set(self):
        self.assertTrue(self.all_model_classes)
'''

DOC_STAND_IN = """\
# T5

A stand-in for transformers' model page.

## Notes

- T5 uses relative scalar embeddings.

## T5Config

[[autodoc]] T5Config
"""

# Run in a fresh interpreter against the tree at PYTHONPATH, in the checkout (its tests/ is a package);
# prints one JSON line.
CHECK = """
import json, sys, unittest
import transformers
from init_parity.suite.building import check_family

out = {"transformers": transformers.__file__, "families": {}}
for model_type in [t for t in sys.argv[1].split(",") if t]:
    check = check_family(model_type, patched=False)
    out["families"][model_type] = {
        "frameworks": list(check.frameworks), "passed": check.passed, "drifting_roles": sorted(check.drifting_roles()),
        "drifts": check.describe_drifts()[:12],
    }
sys.path.insert(0, ".")
from tests import test_modeling_common as common
if hasattr(common.ModelTesterMixin, "test_init_scheme"):
    import torch
    from transformers import T5Config, T5EncoderModel, T5ForConditionalGeneration, T5ForSequenceClassification

    class Tester:  # the sizes of transformers' T5ModelTester, which ties the lm_head
        def prepare_config_and_inputs_for_common(self):
            config = T5Config(vocab_size=99, d_model=32, d_ff=37, d_kv=8, num_heads=4, num_layers=5,
                              relative_attention_num_buckets=8, initializer_factor=0.002, decoder_start_token_id=0,
                              pad_token_id=0)
            input_ids = torch.randint(1, 99, (13, 7), generator=torch.Generator().manual_seed(0))
            return config, {"input_ids": input_ids, "decoder_input_ids": input_ids,
                            "attention_mask": torch.ones_like(input_ids)}

    class T5InitSchemeTest(common.ModelTesterMixin, unittest.TestCase):
        model_tester = Tester()
        init_scheme = "t5"  # what the series writes on T5ModelTest
        all_model_classes = (T5ForConditionalGeneration, T5EncoderModel, T5ForSequenceClassification)

    class UnknownFamilyTest(common.ModelTesterMixin, unittest.TestCase):
        model_tester = None  # never read: the class declares no scheme
        all_model_classes = (transformers.BertModel,)

    out["mixin"] = {}
    for case in (T5InitSchemeTest, UnknownFamilyTest):
        result = unittest.TextTestRunner(stream=sys.stderr, verbosity=0).run(case("test_init_scheme"))
        out["mixin"][case.__name__] = {"ok": result.wasSuccessful(), "skipped": len(result.skipped),
                                       "failures": [f"{test}\\n{text}" for test, text in result.failures + result.errors]}
print(json.dumps(out))
"""


def _git(root: Path, *args: str) -> str:
    completed = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True)
    return completed.stdout


def _make_checkout(root: Path) -> None:
    """The installed transformers as ``root/src/transformers`` plus the stand-ins, committed."""
    import transformers

    package = Path(transformers.__file__).parent
    owned = {file.removeprefix("src/transformers/") for file in owned_files(SCHEME) if file.startswith("src/")}

    def link_or_copy(source: str, target: str) -> None:
        relative = Path(target).relative_to(root / "src" / "transformers").as_posix()
        if relative not in owned:
            try:
                os.link(source, target)
                return
            except OSError:
                pass
        shutil.copy2(source, target)

    shutil.copytree(
        package,
        root / "src" / "transformers",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        copy_function=link_or_copy,
    )
    (root / "tests").mkdir()
    (root / "tests" / "__init__.py").write_text("")
    (root / "tests" / "test_configuration_common.py").write_text("class ConfigTester:\n    pass\n")
    (root / "tests" / "test_modeling_common.py").write_text(MIXIN_STAND_IN)
    doc = root / "docs" / "source" / "en" / "model_doc" / "t5.md"
    doc.parent.mkdir(parents=True)
    doc.write_text(DOC_STAND_IN)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "transformers as installed")


def _check_in_subprocess(root: Path, model_types: tuple[str, ...]) -> dict:
    environment = {
        **os.environ,
        "INIT_PARITY": "0",
        "HF_HUB_OFFLINE": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONPATH": str(root / "src"),
    }
    completed = subprocess.run(
        [sys.executable, "-c", CHECK, ",".join(model_types)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=root,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _run(capsys: pytest.CaptureFixture | None, *argv: str) -> tuple[int, str, str]:
    """``init-parity upstream ARGV``: exit code, stdout, stderr."""
    if capsys is not None:
        code = main(["upstream", *argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["upstream", *argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="session")
def target(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Everything observed on the checkout, gathered once per session, even under pytest-xdist: the
    first worker runs the whole sequence under a file lock and records it; the others read it. The
    tests only read the record, so no test can disturb the checkout another one looks at."""
    from filelock import FileLock

    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "upstream-e2e"
    record = shared / "record.json"
    with FileLock(f"{shared}.lock"):
        if not record.exists():
            shared.mkdir(exist_ok=True)
            with pytest.MonkeyPatch.context() as patch:
                for key, value in GIT_IDENTITY.items():  # the generator commits; CI may have no git identity
                    patch.setenv(key, value)
                record.write_text(json.dumps(_observe(shared / "transformers")))
    return json.loads(record.read_text())


def _observe(root: Path) -> dict:
    """Build the checkout, check it stock, dry-run, run, check it patched, then run again and
    provoke each refusal; record what each step did."""
    from init_parity.upstream.editing import ruff_binary

    root.mkdir()
    _make_checkout(root)
    seen: dict = {"root": str(root), "base": _git(root, "rev-parse", "HEAD").strip()}
    seen["stock"] = _check_in_subprocess(root, ("t5",))
    seen["stock_mixin"] = _run_stock_mixin(root)

    seen["dry_run"] = _run(None, str(root), "--dry-run")
    seen["after_dry_run"] = {"status": _git(root, "status", "--porcelain"), "branches": _git(root, "branch")}

    patch_dir = root.parent / "patches"
    seen["run"] = _run(None, str(root), "--patch-dir", str(patch_dir))
    head = _git(root, "rev-parse", SERIES_T5_BRANCH if FIVE else "HEAD").strip()
    patches = sorted(patch_dir.glob("*/*.patch" if FIVE else "*.patch"))
    seen["after_run"] = {
        "head": head,
        "branch": _git(root, "symbolic-ref", "--short", "HEAD").strip(),
        "branches": _git(root, "branch", "--format=%(refname:short)").split(),
        "status": _git(root, "status", "--porcelain"),
        "patches": [str(p) for p in patches],
        "patch_texts": [p.read_text() for p in patches],
        "tests_pr": _git(root, "diff", "--name-only", f"{seen['base']}..{SERIES_TESTS_BRANCH}").split()
        if FIVE
        else [],
        "changed": sorted(_git(root, "diff", "--name-only", f"{seen['base']}..{head}").split()),
        "diff": {
            file: _git(root, "diff", f"{seen['base']}..{head}", "--", file)
            for file in (modeling_file("t5", "pt"), modeling_file("mt5", "pt"))
        },
        "doc": _git(root, "show", f"{head}:docs/source/en/model_doc/t5.md"),
        "subject": _git(root, "log", "-1", "--format=%s", head).strip(),
        "helper": _git(root, "show", f"{head}:{HELPER_FILE}"),
    }
    files = [f for f in seen["after_run"]["changed"] if f.endswith(".py")]
    settings = ["--isolated", "--line-length=119", "--target-version=py310"]
    lint = [ruff_binary(), "check", *settings, "--select=E,F,W", "--ignore=E501,E741,F402,F823", *files]
    layout = [ruff_binary(), "format", "--check", *settings, *files]
    seen["ruff"] = [
        (completed.returncode, completed.stdout + completed.stderr)
        for completed in (subprocess.run(c, cwd=root, capture_output=True, text=True) for c in (lint, layout))
    ]
    if FIVE:  # the series leaves the checkout where it was: look at its last branch
        _git(root, "checkout", "-q", SERIES_T5_BRANCH)
    seen["patched"] = _check_in_subprocess(root, SCHEME.model_types)

    seen["second_run"] = _run(None, str(root), "--patch-dir", str(patch_dir))
    seen["after_second_run"] = {
        "head": _git(root, "rev-parse", "HEAD").strip(),
        "status": _git(root, "status", "--porcelain"),
    }

    touched = root / modeling_file("t5", "pt")
    original = touched.read_text()
    touched.write_text(original + "\n# local edit\n")
    try:
        seen["dirty"] = _run(None, str(root), "--dry-run")
    finally:
        touched.write_text(original)
    seen["after_dirty"] = _git(root, "status", "--porcelain")

    _git(root, "checkout", "-q", seen["base"])
    try:
        seen["branch_exists"] = _run(None, str(root))
        if FIVE:
            seen["list"] = _run(None, str(root), "--list")
            seen["bad_pr"] = _run(None, str(root), "--pr", "99")
            seen["pr_without_the_previous"] = _run(None, str(root), "--pr", "2", "--dry-run")
    finally:
        _git(root, "checkout", "-q", SERIES_T5_BRANCH if FIVE else BRANCH)
    return seen


def _run_stock_mixin(root: Path) -> dict:
    """The generated test on the stock modelling code: only tests/ patched, in a scratch worktree."""
    scratch = root.parent / "stock-tests"
    _git(root, "worktree", "add", "-q", "--detach", str(scratch), "HEAD")
    try:
        code, out, err = _run(None, str(scratch), "--dry-run")
        assert code == EXIT_OK, err
        patch = subprocess.run(
            ["git", "-C", str(scratch), "apply", "--include=tests/*", "-"],
            input=out[out.index("diff --git") :],
            text=True,
            capture_output=True,
        )
        assert patch.returncode == 0, patch.stderr
        return _check_in_subprocess(scratch, ())["mixin"]
    finally:
        _git(root, "worktree", "remove", "--force", str(scratch))


def test_the_stock_copy_fails_the_scheme(target: dict) -> None:
    stock = target["stock"]
    assert stock["transformers"].startswith(target["root"])
    assert not stock["families"]["t5"]["passed"], "stock T5 should drift from the scheme"
    roles = stock["families"]["t5"]["drifting_roles"]
    assert "lm_head.untied" in roles or "attention.q" in roles, roles


def test_dry_run_prints_the_diff_and_writes_nothing(target: dict) -> None:
    code, out, _ = target["dry_run"]
    assert code == EXIT_OK
    assert target["after_dry_run"]["status"] == ""
    assert BRANCH not in target["after_dry_run"]["branches"]
    assert f"diff --git a/{modeling_file('t5', 'pt')} b/{modeling_file('t5', 'pt')}" in out
    if FIVE:
        assert (
            "+            init.normal_(module.lm_head.weight, mean=0.0, std=factor * self.config.d_model**-0.5)" in out
        )
    else:
        line = "+                module.lm_head.weight.data.normal_(mean=0.0, std=factor * self.config.d_model**-0.5)"
        assert line in out


def test_run_commits_a_branch_and_writes_the_patch(target: dict) -> None:
    code, out, _ = target["run"]
    after = target["after_run"]
    assert code == EXIT_OK
    assert after["head"] != target["base"] and after["status"] == ""
    if FIVE:  # one branch, patch and PR.md per PR with a change; the checkout stays on its branch
        assert after["branch"] == "main"
        assert {SERIES_TESTS_BRANCH, SERIES_T5_BRANCH} <= set(after["branches"])
        assert len(after["patches"]) == 2 and all(patch in out for patch in after["patches"])
        assert after["subject"].startswith("🚨 T5 family: untie the lm_head")
        assert set(after["tests_pr"]) == {HELPER_FILE, "tests/test_modeling_common.py"}
    else:
        assert after["branch"] == BRANCH
        assert len(after["patches"]) == 1 and after["patches"][0] in out
        assert after["subject"] == "🚨 Initialize T5-family weights alike in PyTorch, TensorFlow and Flax"
    assert all("Subject: " in text for text in after["patch_texts"])
    assert all(Path(patch).with_name("PR.md").is_file() for patch in after["patches"])


def test_the_diff_touches_only_the_expected_files(target: dict) -> None:
    if FIVE:  # the series: the tests PR's two files, then the T5-family modelling code, configs, core rule and docs
        changed = set(target["after_run"]["changed"])
        assert {modeling_file(t, "pt") for t in ("t5", "mt5", "longt5")} | {HELPER_FILE} <= changed
        assert changed <= set(owned_files(SCHEME))
        return
    expected = {modeling_file(t, "pt") for t in SCHEME.model_types} | {
        modeling_file("t5", "tf"),
        modeling_file("t5", "flax"),
        modeling_file("longt5", "flax"),
        HELPER_FILE,
        "tests/test_modeling_common.py",
        "docs/source/en/model_doc/t5.md",
    }
    changed = set(target["after_run"]["changed"])
    assert changed == expected
    assert changed <= set(owned_files(SCHEME))


def test_the_changed_python_is_ruff_clean(target: dict) -> None:
    (lint_code, lint_out), (layout_code, layout_out) = target["ruff"]
    assert lint_code == 0, lint_out
    assert layout_code == 0, layout_out


def test_copies_stay_consistent(target: dict) -> None:
    def changed_lines(diff: str) -> list[str]:
        return [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]

    t5 = changed_lines(target["after_run"]["diff"][modeling_file("t5", "pt")])
    mt5 = changed_lines(target["after_run"]["diff"][modeling_file("mt5", "pt")])
    assert t5 and mt5 == [line.replace("T5", "MT5").replace("t5", "mt5") for line in t5]


def test_the_patched_copy_follows_the_scheme(target: dict) -> None:
    patched = target["patched"]
    assert patched["transformers"].startswith(target["root"])
    families = patched["families"]
    assert set(families["t5"]["frameworks"]) == {"pt", "tf", "flax"}
    for model_type, result in families.items():
        assert result["passed"], f"{model_type}: " + "\n".join(result["drifts"])


def test_the_added_mixin_test_passes_on_the_patched_copy(target: dict) -> None:
    mixin = target["patched"]["mixin"]
    t5 = mixin["T5InitSchemeTest"]
    assert t5["ok"] and not t5["skipped"], "\n".join(t5["failures"])
    assert mixin["UnknownFamilyTest"] == {"ok": True, "skipped": 1, "failures": []}


def test_the_added_mixin_test_fails_on_the_stock_modelling_code(target: dict) -> None:
    """The upstream tester ties the lm_head; the untied variant the test builds catches the N(0, 1) head."""
    t5 = target["stock_mixin"]["T5InitSchemeTest"]
    assert not t5["ok"]
    failures = "\n".join(t5["failures"])
    assert "lm_head.untied" in failures and "(untied)" in failures and "first loss" in failures


def test_the_helper_is_short_and_needs_only_torch(target: dict) -> None:
    """The statistics are short; the rest of the helper is the scheme table (every family's on the 5.x series)."""
    helper_source = target["after_run"]["helper"]
    statistics = helper_source[: helper_source.index("\ndef _t5_family(")]
    assert len(statistics.splitlines()) < 260
    assert "scipy" not in helper_source and "numpy" not in helper_source
    assert ("def _bart_family(" in helper_source) == FIVE


def test_a_second_run_changes_nothing(target: dict) -> None:
    code, out, _ = target["second_run"]
    assert code == EXIT_OK
    assert "nothing to change" in out and "updated" not in out
    assert target["after_second_run"] == {"head": target["after_run"]["head"], "status": ""}


def test_a_dirty_tree_is_refused(target: dict) -> None:
    code, _, err = target["dirty"]
    assert code == EXIT_BAD_INPUT
    assert "uncommitted changes" in err and "git stash" in err
    assert target["after_dirty"] == ""


def test_an_existing_branch_is_not_overwritten(target: dict) -> None:
    code, _, err = target["branch_exists"]
    assert code == EXIT_BAD_INPUT
    if FIVE:
        assert f"already has the branch(es) {SERIES_TESTS_BRANCH}, {SERIES_T5_BRANCH}" in err
    else:
        assert f"branch {BRANCH} already exists" in err


@pytest.mark.skipif(not FIVE, reason="the 4.57 line is one pull request: no series to list")
def test_the_series_is_listed_and_a_bad_pr_refused(target: dict) -> None:
    code, out, _ = target["list"]
    assert code == EXIT_OK
    assert " 1. init-scheme-tests: " in out and " 2. t5-family-init: " in out
    code, _, err = target["bad_pr"]
    assert code == EXIT_BAD_INPUT and "--pr 99: the series has 1 (init-scheme-tests)" in err
    code, _, err = target["pr_without_the_previous"]
    assert code == EXIT_BAD_INPUT and "lacks PR 1 (init-scheme-tests)" in err


def test_a_folder_that_is_not_transformers_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "src").mkdir()
    _git(tmp_path, "init", "-q")
    code, _, err = _run(capsys, str(tmp_path))
    assert code == EXIT_BAD_INPUT
    assert "is not a transformers checkout" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [".git", "src"]


def test_another_release_line_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    package = tmp_path / "src" / "transformers"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('__version__ = "4.56.2"\n')
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_modeling_common.py").write_text(MIXIN_STAND_IN)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "4.56.2")
    code, _, err = _run(capsys, str(tmp_path), "--dry-run")
    assert code == EXIT_BAD_INPUT
    assert "transformers 4.56.2" in err and "4.57" in err
    assert _git(tmp_path, "status", "--porcelain") == ""


def test_the_helper_renders_the_scheme_data() -> None:
    """The generated helper, run as is: its rules give the scheme's distribution for a config, and its tests
    accept draws from that distribution and reject a std off by 10%."""
    import torch
    from transformers import T5Config

    from init_parity.scheme import formula
    from init_parity.upstream import helper

    source = helper.generate(["t5"])
    assert helper.families_in(source) == ["t5"]
    namespace: dict = {}
    exec(compile(source, "init_scheme_utils.py", "exec"), namespace)  # our generated module, run as is
    config = T5Config(d_model=64, d_kv=32, num_heads=4, d_ff=96, tie_word_embeddings=False, initializer_factor=0.5)
    rules = namespace["scheme_rules"]("t5", config)
    for rule in SCHEME.rules:
        rendered = next(r for r in rules if r.role == rule.role)
        assert rendered.pattern == rule.pattern and rendered.kind == rule.kind
        assert rendered.when == (rule.when is None or bool(formula.evaluate(rule.when, config)))
        expected = rule.distribution(config)
        assert rendered.value == pytest.approx(expected.std if rule.kind == "normal" else expected.value)
    values = torch.randn(4000, generator=torch.Generator().manual_seed(0)) * 0.25
    normal = namespace["InitRule"]("r", "x", "normal", 0.25)
    assert namespace["std_p_value"](values, normal) > 1e-3 and namespace["ks_p_value"](values, normal) > 1e-3
    assert namespace["std_p_value"](values * 1.1, normal) < 1e-6


CONFIG_5X = """
class TinyConfig(PreTrainedConfig):
    d_model: int = 8
    is_decoder: bool = False

    def __post_init__(self, **kwargs):
        self.d_ff = 4 * self.d_model

        # checkpoints store False, but we always tie
        kwargs.pop("tie_word_embeddings", None)
        self.tie_word_embeddings = True
        super().__post_init__(**kwargs)
"""

MODEL_5X = """
class TinyPreTrainedModel(PreTrainedModel):
    config: TinyConfig

    @torch.no_grad()
    def _init_weights(self, module):
        factor = self.config.initializer_factor
        if isinstance(module, TinyForConditionalGeneration):
            init.normal_(module.shared.weight, mean=0.0, std=factor * 1.0)
            if hasattr(module, "lm_head") and not self.config.tie_word_embeddings:
                init.normal_(module.lm_head.weight, mean=0.0, std=factor * 1.0)

    def _shift_right(self, input_ids):
        return input_ids
"""


def test_5x_configs_keep_the_flag_passed() -> None:
    from init_parity.upstream import tying

    new, notes = tying.untie_config(CONFIG_5X)
    assert "self.tie_word_embeddings = True" not in new and "kwargs.pop" not in new
    assert "    tie_word_embeddings: bool = True\n" in new  # the field holds the value passed, default tied
    assert "        self.d_ff = 4 * self.d_model\n\n        super().__post_init__(**kwargs)\n" in new
    assert tying.untie_config(new) == (new, [])
    assert len(notes) == 2


def test_5x_models_draw_the_untied_head_and_declare_the_input_ties() -> None:
    from init_parity.upstream import pytorch, tying

    drawn, findings = pytorch.transform(MODEL_5X, "modeling_tiny.py", SCHEME)
    assert "init.normal_(module.lm_head.weight, mean=0.0, std=factor * self.config.d_model**-0.5)" in drawn
    assert [f.status for f in findings if f.role == "lm_head.untied"] == ["changed"]
    new, notes = tying.mark_family(drawn)
    assert notes == ["TinyPreTrainedModel._untie_output_embeddings_only = True"]
    assert new.index("config: TinyConfig") < new.index("_untie_output_embeddings_only = True") < new.index("def _init")
    assert "get_expanded_tied_weights_keys" not in new  # no method of its own: the core rule does the work
    assert tying.mark_family(new) == (new, [])


# PreTrainedModel's early return on the flag, as upstream main (9a90500b0b) and the 5.x releases write it
CORE_MAIN = """
class PreTrainedModel:
    # a list of `state_dict` keys that are potentially tied to another key in the state_dict.
    _tied_weights_keys = None

    def get_expanded_tied_weights_keys(self, all_submodels=False):
        tied_mapping = self._tied_weights_keys
        # If the config does not specify any tying, return empty dict
        if not self.config.tie_word_embeddings:
            return {}
        # If None, return empty dict
        elif tied_mapping is None:
            return {}
        return tied_mapping.copy()
"""
CORE_RELEASE = """
class PreTrainedModel:
    _tied_weights_keys = None

    def get_expanded_tied_weights_keys(self, all_submodels=False):
        tied_mapping = self._tied_weights_keys
        tie_word_embeddings = getattr(self.config, "tie_word_embeddings", False)
        if not tie_word_embeddings:
            return {}
        if tied_mapping is None:
            return {}
        return tied_mapping.copy()
"""


@pytest.mark.parametrize("core", [CORE_MAIN, CORE_RELEASE], ids=["main", "release"])
def test_5x_core_rule_unties_only_the_output_embeddings_of_a_declaring_model(core: str) -> None:
    from types import SimpleNamespace

    from init_parity.upstream import core_tie

    new, notes = core_tie.add_core_rule(core)
    assert len(notes) == 2 and core_tie.add_core_rule(new) == (new, [])
    namespace: dict = {}
    exec(compile(new, "modeling_utils.py", "exec"), namespace)  # the edited stand-in, run as is
    head, shared = object(), object()

    class Family(namespace["PreTrainedModel"]):
        _tied_weights_keys = {
            "encoder.embed_tokens.weight": "shared.weight",
            "decoder.embed_tokens.weight": "shared.weight",
            "lm_head.weight": "shared.weight",
        }

        def __init__(self, tied: bool) -> None:
            self.config = SimpleNamespace(tie_word_embeddings=tied)

        def get_output_embeddings(self):
            return head

        def named_modules(self):
            return iter([("", self), ("shared", shared), ("lm_head", head)])

    class Declaring(Family):
        _untie_output_embeddings_only = True

    inputs = {"encoder.embed_tokens.weight": "shared.weight", "decoder.embed_tokens.weight": "shared.weight"}
    assert Declaring(tied=False).get_expanded_tied_weights_keys() == inputs
    assert Declaring(tied=True).get_expanded_tied_weights_keys() == Family._tied_weights_keys
    assert Family(tied=False).get_expanded_tied_weights_keys() == {}  # every other model: as before
    assert Family(tied=True).get_expanded_tied_weights_keys() == Family._tied_weights_keys


def test_5x_core_rule_refuses_a_tree_it_does_not_know() -> None:
    from init_parity.upstream import core_tie

    with pytest.raises(core_tie.CoreLayoutError, match="return"):
        core_tie.add_core_rule(CORE_MAIN.replace("return {}", "return None"))


MT5_5X = """
class MT5ForConditionalGeneration(MT5PreTrainedModel):
    def __init__(self, config):
        self.model_dim = config.d_model

    def forward(self, input_ids):
        sequence_output = decoder_outputs[0]

        lm_logits = self.lm_head(sequence_output)
        return lm_logits


class UdopForConditionalGeneration(UdopPreTrainedModel):
    def forward(self, input_ids):
        sequence_output = decoder_outputs[0]
        lm_logits = self.lm_head(sequence_output)
        return lm_logits
"""


def test_5x_the_tied_mt5_head_reads_the_rescaled_decoder_output() -> None:
    from init_parity.upstream import rescale

    new, notes = rescale.restore_rescale(MT5_5X)
    assert notes == ["MT5ForConditionalGeneration.forward: decoder output scaled by model_dim**-0.5 when tied"]
    mt5, udop = new.split("class UdopForConditionalGeneration")
    assert mt5.index("if self.config.tie_word_embeddings:") < mt5.index("sequence_output * (self.model_dim**-0.5)")
    assert mt5.index("(self.model_dim**-0.5)") < mt5.index("lm_logits = self.lm_head(sequence_output)")
    assert "model_dim" not in udop  # UDOP never scaled and has no model_dim
    assert rescale.restore_rescale(new) == (new, [])


def test_the_stand_in_documents_the_scheme(target: dict) -> None:
    page = target["after_run"]["doc"]
    section = page[page.index("## Initialization") : page.index("## T5Config")]
    for rule in SCHEME.rules:
        assert f"`{rule.param}`" in section
    assert DOC_STAND_IN.split("## T5Config")[1] in page
