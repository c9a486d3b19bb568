"""``init-parity report``: exit codes, each output format, framework subsets, and an HTML page that renders.

The runs call :func:`init_parity.cli.main` in-process and use PyTorch alone wherever the point is
not cross-framework; the conformance checks are cached per process, so later runs reuse them.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from html.parser import HTMLParser
from pathlib import Path
from unittest import mock

import pytest

from init_parity.cli import EXIT_BAD_INPUT, EXIT_DRIFT, EXIT_OK, main
from init_parity.scheme import FAMILIES
from init_parity.suite import frameworks
from tests.helpers import needs_transformers_4

CHROMIUM = "/usr/bin/chromium"
T5_ROLES = [role for role in FAMILIES["t5"].roles() if role in ("embedding.shared", "lm_head.untied", "attention.q")]

pytestmark = pytest.mark.xdist_group("report")


def run(*argv: str) -> tuple[int, str, str]:
    """``init-parity report ARGV`` in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["report", *argv])
    return code, out.getvalue(), err.getvalue()


class _PageParser(HTMLParser):
    """Collects image sources, table cells and the open/close balance of non-void elements."""

    VOID = {"meta", "img", "br", "hr", "link", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.cells: list[str] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs).get("src", ""))
        if tag in ("td", "th"):
            self._in_cell = True
            self.cells.append("")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._in_cell = False
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data):
        if self._in_cell:
            self.cells[-1] += data


class ReportFormatsTest(unittest.TestCase):
    """One run of T5 in PyTorch, stock and scheme, writing every format."""

    @classmethod
    def setUpClass(cls):
        cls.folder = Path(tempfile.mkdtemp(prefix="init-parity-report-"))
        cls.code, cls.out, cls.err = run(
            "--models", "t5", "--frameworks", "pt", "--both", "--format", "terminal,markdown,json,html",
            "--output", str(cls.folder), "--quiet",
        )  # fmt: skip

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.folder, ignore_errors=True)

    def test_both_judges_the_scheme(self):
        # stock PyTorch T5 draws the untied lm_head from N(0, 1): it drifts, but --both judges the scheme
        self.assertEqual(self.code, EXIT_OK, self.out + self.err)
        self.assertRegex(self.out, r"t5: stock drifts in [1-9]\d* of \d+ roles?.*; scheme conforms")

    def test_quiet_has_no_progress_bar(self):
        self.assertNotIn("it/s", self.err)
        self.assertNotIn("step/s", self.err)
        self.assertNotIn("%|", self.err)

    def test_terminal_table(self):
        for role in T5_ROLES:
            self.assertIn(role, self.out)
        self.assertIn("first loss", self.out)

    def test_the_answer_comes_before_the_table(self):
        lines = self.out.splitlines()
        verdicts = [i for i, line in enumerate(lines) if re.match(r"  (stock|scheme): ", line)]
        header = next(i for i, line in enumerate(lines) if line.startswith("role "))
        self.assertEqual(len(verdicts), 2, "a verdict line per mode")
        self.assertLess(max(verdicts), header)
        self.assertIn("  scheme: conforms", lines)

    def test_a_constant_role_shows_the_value_set_against_the_scheme(self):
        # layer_norm weights are set to 1: the table reads =1 against the scheme's =1, not a std of 0
        self.assertRegex(self.out, r"\nlayer_norm +\d+ +=1 +=1 +ok +=1 +ok\n")
        data = json.loads((self.folder / "report.json").read_text())
        roles = {role["role"]: role for role in data["families"][0]["modes"]["scheme"]["roles"]}
        self.assertEqual(roles["layer_norm"]["mean"], {"pt": 1.0})
        self.assertEqual(roles["layer_norm"]["std"], {"pt": 0.0})

    def test_the_test_results_are_folded(self):
        # terminal: named with --verbose only; HTML and Markdown: inside a <details> element
        detail = re.compile(r"stock: +pt: std = ")
        self.assertIsNone(detail.search(self.out))
        self.assertIn("--verbose", self.out)
        code, verbose, _ = run("--models", "t5", "--frameworks", "pt", "--both", "--format", "terminal", "--quiet",
                               "--verbose")  # fmt: skip
        self.assertEqual(code, EXIT_OK)
        self.assertIsNotNone(detail.search(verbose))
        for name in ("report.html", "report.md"):
            text = (self.folder / name).read_text()
            folded = text[text.index("<details>") : text.index("</details>")]
            self.assertIsNotNone(detail.search(folded), name)
            self.assertIsNone(detail.search(text.replace(folded, "")), name)

    def test_json(self):
        data = json.loads((self.folder / "report.json").read_text())
        self.assertEqual(data["modes"], ["stock", "scheme"])
        self.assertEqual(data["judged_modes"], ["scheme"])
        self.assertEqual(data["exit_code"], EXIT_OK)
        (family,) = data["families"]
        self.assertEqual(family["model_type"], "t5")
        self.assertEqual(family["frameworks"], ["pt"])
        stock, scheme = family["modes"]["stock"], family["modes"]["scheme"]
        self.assertFalse(stock["passed"])
        self.assertIn("lm_head.untied", stock["drifting_roles"])
        self.assertTrue(scheme["passed"])
        lm_head = {role["role"]: role for role in scheme["roles"]}["lm_head.untied"]
        self.assertAlmostEqual(lm_head["std"]["pt"], lm_head["scheme_std"], delta=0.05 * lm_head["scheme_std"])
        self.assertGreaterEqual(lm_head["n"]["pt"], 1000)
        self.assertTrue(all(test["p_value"] is None or 0 <= test["p_value"] <= 1 for test in lm_head["tests"]))
        # first loss: the scheme starts near ln(V), stock T5's N(0, 1) lm_head far above it
        stock_loss, scheme_loss = stock["first_loss"]["pt"], scheme["first_loss"]["pt"]
        self.assertAlmostEqual(scheme_loss["ln_vocab"], math.log(512))
        self.assertLess(scheme_loss["loss"], scheme_loss["ln_vocab"] + 1)
        self.assertGreater(stock_loss["loss"], stock_loss["ln_vocab"] + 5)

    def test_markdown(self):
        text = (self.folder / "report.md").read_text()
        self.assertIn("| role | n | scheme |", text)
        lines = text.splitlines()
        start = lines.index(next(line for line in lines if line.startswith("| role | n | scheme |")))
        rows = [line for line in lines[start:] if line.startswith("| ")]  # the table of every role
        for role in T5_ROLES:
            self.assertTrue(any(line.startswith(f"| {role} |") for line in rows), role)
        widths = {line.count(" | ") for line in rows[:12]}
        self.assertEqual(len(widths), 1, "every row of the role table has the header's column count")
        for image in ("t5.png", "std-ratio-heatmap.png"):
            self.assertIn(f"]({image})", text)

    def test_html_parses_and_its_images_exist(self):
        page = _PageParser()
        page.feed((self.folder / "report.html").read_text())
        page.close()
        self.assertEqual(page.errors, [])
        self.assertEqual(page.stack, [], "every element is closed")
        self.assertEqual(len(page.images), 2)  # T5's figure (stock and scheme side by side) and the heat map
        for source in page.images:
            path = self.folder / source
            self.assertTrue(path.is_file(), source)
            self.assertEqual(path.read_bytes()[:8], b"\x89PNG\r\n\x1a\n")
        for role in T5_ROLES:
            self.assertIn(role, page.cells)

    def test_html_renders_in_a_browser(self):
        if not os.path.exists(CHROMIUM):
            self.skipTest(f"{CHROMIUM} not found: the HTML is checked by parsing only (test_html_parses...)")
        shot = self.folder / "screenshot.png"
        subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tempfile.mkdtemp(prefix='chromium-')}", f"--screenshot={shot}",
             "--window-size=1400,2400", (self.folder / "report.html").as_uri()],
            capture_output=True, timeout=120, check=False,
        )  # fmt: skip
        self.assertTrue(shot.is_file() and shot.stat().st_size > 10_000, "the screenshot is not empty")


class ReportExitCodesTest(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="init-parity-report-")
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)

    def test_scheme_conforms(self):
        code, out, _ = run("--models", "t5", "--frameworks", "pt", "--scheme", "--format", "json", "--output",
                           self.folder, "--no-plots", "--quiet")  # fmt: skip
        self.assertEqual(code, EXIT_OK, out)
        self.assertIn("t5: scheme conforms", out)
        self.assertEqual(sorted(os.listdir(self.folder)), ["report.json"])

    def test_stock_drifts(self):
        code, out, _ = run("--models", "t5", "--frameworks", "pt", "--stock", "--format", "terminal", "--quiet")
        self.assertEqual(code, EXIT_DRIFT, out)
        self.assertRegex(out, r"t5: stock drifts in [1-9]\d* of \d+ roles")
        # the answer: the drifting head, what PyTorch drew (N(0, 1)) against the scheme's d_model ** -0.5
        self.assertRegex(out, r"lm_head\.untied +pt (0\.9\d*|1\.0\d*) +scheme 0\.125 +std off the scheme")

    def test_unknown_model_lists_the_known_ones(self):
        code, _, err = run("--models", "t5,not_a_model", "--frameworks", "pt", "--quiet")
        self.assertEqual(code, EXIT_BAD_INPUT)
        self.assertIn("not_a_model", err)
        self.assertIn("Encoder-decoder model types", err)
        self.assertIn("bart", err)

    def test_unknown_framework(self):
        code, _, err = run("--frameworks", "pt,mxnet", "--quiet")
        self.assertEqual(code, EXIT_BAD_INPUT)
        self.assertIn("mxnet", err)
        self.assertIn("pt, tf, flax", err)

    @needs_transformers_4
    def test_missing_framework_names_the_installed_ones_and_the_extra(self):
        with mock.patch.dict(frameworks._REQUIRED, {"flax": ("jax", "init_parity_no_such_module")}):
            code, _, err = run("--frameworks", "pt,flax", "--quiet")
        self.assertEqual(code, EXIT_BAD_INPUT)
        self.assertIn("Flax is not installed", err)
        self.assertIn("[flax]", err)
        self.assertIn("Installed: pt, tf", err)

    def test_flax_on_transformers_5_names_the_extra_and_the_release_that_has_it(self):
        with mock.patch.object(frameworks, "transformers_version", lambda: "5.23.0"):
            code, _, err = run("--frameworks", "pt,flax", "--quiet")
        self.assertEqual(code, EXIT_BAD_INPUT)
        self.assertIn("transformers 5.23.0 has no Flax models", err)
        self.assertIn("[flax]", err)
        self.assertIn("4.57.6", err)

    def test_bad_format_and_seeds(self):
        self.assertEqual(run("--format", "pdf")[0], EXIT_BAD_INPUT)
        self.assertEqual(run("--seeds", "zero")[0], EXIT_BAD_INPUT)

    def test_python_dash_m(self):
        completed = subprocess.run(
            [sys.executable, "-m", "init_parity", "report", "--format", "pdf"], capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
        self.assertEqual(completed.returncode, EXIT_BAD_INPUT, completed.stderr)
        self.assertIn("unknown format pdf", completed.stderr)


class ReportFrameworksTest(unittest.TestCase):
    def setUp(self):
        self.folder = Path(tempfile.mkdtemp(prefix="init-parity-report-"))
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)

    @needs_transformers_4
    def test_subset(self):
        code, out, _ = run("--models", "t5", "--frameworks", "pt,flax", "--scheme", "--format", "json",
                           "--output", str(self.folder), "--no-plots", "--quiet")  # fmt: skip
        self.assertEqual(code, EXIT_OK, out)
        data = json.loads((self.folder / "report.json").read_text())
        self.assertEqual(data["frameworks"], ["pt", "flax"])
        roles = data["families"][0]["modes"]["scheme"]["roles"]
        self.assertTrue(all(set(role["std"]) == {"pt", "flax"} for role in roles))
        labels = {test["label"] for role in roles for test in role["tests"]}
        self.assertIn("attention.q [pt~flax]", labels)
        self.assertFalse(any("tf" in label.split("[", 1)[1] for label in labels))

    @needs_transformers_4
    def test_no_counterpart_is_reported_not_fatal(self):
        # pegasus_x exists in PyTorch only
        code, out, _ = run("--models", "pegasus_x", "--frameworks", "pt,tf", "--scheme", "--format", "markdown",
                           "--output", str(self.folder), "--quiet")  # fmt: skip
        self.assertEqual(code, EXIT_OK, out)
        self.assertIn("no tf counterpart", out)
        self.assertIn("no tf counterpart", (self.folder / "report.md").read_text())

    @needs_transformers_4
    def test_no_requested_framework_at_all(self):
        code, out, _ = run("--models", "pegasus_x", "--frameworks", "flax", "--format", "terminal", "--quiet")
        self.assertEqual(code, EXIT_OK, out)
        self.assertIn("pegasus_x: not checked (no flax counterpart", out)


if __name__ == "__main__":
    unittest.main()


def test_a_type_that_needs_a_missing_package_is_named_and_left_out_of_the_verdict():
    """``--models all`` on a machine without, say, torchvision: the type is named with the package it needs,
    and the exit code is not the drift code because of it."""
    from init_parity.report import collect

    reason = "needs torchvision, which is not installed: pip install torchvision (ImportError)"
    with mock.patch.object(collect, "missing_dependency", return_value=reason):
        (family,) = collect.plan(["t5"], ("pt",))
    assert not family.checked
    assert collect.summary_line(family) == f"t5: not checked ({reason})"
    collect.collect([family], ("scheme",), seeds=None, first_loss=False)
    report = collect.Report([family], ("scheme",), ("scheme",), ("pt",), None)
    assert report.failed() == []
    from init_parity.report import json_report

    (mode,) = json_report.to_dict(report)["families"][0]["modes"].values()
    assert mode == {"passed": False, "error": None, "not_checked": reason}  # the terminal's reason, not a bare False
