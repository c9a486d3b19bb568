"""The defect fixes of the upstream series (``init_parity.upstream.defects``) on a checkout-shaped copy of the
installed transformers (the 5.23.0 release on the 5.x line, 4.57.6 on the other).

Each fix's ``edit`` is applied to a copy of the tree that holds the defect; the edited modelling modules are imported
in a subprocess with our runtime patch off (``INIT_PARITY=0``) and measured by ``benchmarks/upstream_defects.py``
(tiny configs, ``torch.manual_seed(0)``, so every number is deterministic): the edited copy must draw what the fix
promises, and the unedited one must not. The copies are hard links to the installed package; a file the test writes is
unlinked first, so nothing writes through to it.

5.23.0 already holds upstream's own Pix2Struct fix (#47558); its defective copy gets back the line main had at
9a90500b0b, the one the fix changes. The RT-DETR fix knows 5.x code only (``transformers.initialization``): on 4.57.6
it must refuse. A role's std counts as fixed within 10% of its target: the query and output stds pool 16,384 draws
each (relative standard error 0.6%), so the tolerance is 18 standard errors wide (false-alarm rate below 1e-60),
and the defect they catch is 50% off.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import init_parity
from init_parity.upstream.defects import DEFECT_FIXES, pix2struct_d_kv, rt_detr_denoising_padding
from init_parity.upstream.defects.anchored import UnknownCode

transformers = pytest.importorskip("transformers")

FIVE = transformers.__version__.split(".", 1)[0] == "5"
BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "upstream_defects.py"
SOURCE = Path(init_parity.__file__).resolve().parent.parent  # the benchmark reads the suite's tiny configs
MODELS = "src/transformers/models"
PIX2STRUCT_FILE = f"{MODELS}/pix2struct/modeling_pix2struct.py"
# the line main holds at 9a90500b0b, which upstream's #47558 changed before the 5.23 release
MAIN_LINE = "if isinstance(self.config, Pix2StructConfig) else self.config.hidden_size"
RELEASE_LINE = "if isinstance(self.config, Pix2StructConfig) else self.config.d_kv"
# every file of 5.23.0 that holds RT-DETR's denoising init, by hand (rt_detr, d_fine) or inherited through modular
RT_DETR_FILES_5X = {
    f"{MODELS}/{name}.py"
    for name in (
        "rt_detr/modeling_rt_detr",
        "rt_detr/modular_rt_detr",
        "rt_detr_v2/modeling_rt_detr_v2",
        "d_fine/modeling_d_fine",
        "d_fine/modular_d_fine",
        "deimv2/modeling_deimv2",
        "pp_doclayout_v2/modeling_pp_doclayout_v2",
    )
}
skip_on_4x = pytest.mark.skipif(not FIVE, reason="the RT-DETR fix edits 5.x code; 4.57.6 is checked to refuse it")


def _copy_tree(root: Path) -> Path:
    """The installed transformers as ``root/src/transformers``, hard-linked where the filesystem allows."""
    package = Path(transformers.__file__).parent

    def link_or_copy(source: str, target: str) -> None:
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)

    shutil.copytree(
        package,
        root / "src" / "transformers",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        copy_function=link_or_copy,
    )
    return root


def _write(root: Path, texts: dict[str, str]) -> None:
    for relative, text in texts.items():
        path = root / relative
        path.unlink()  # a hard link: never write through to the installed package
        path.write_text(text, encoding="utf-8")


def _measure(root: Path, defect: str) -> list[dict]:
    """The benchmark's rows of ``defect`` for the transformers under ``root/src``, our patch off."""
    environment = {**os.environ, "INIT_PARITY": "0", "HF_HUB_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    environment["PYTHONPATH"] = os.pathsep.join([str(root / "src"), str(SOURCE)])  # the copy's transformers first
    completed = subprocess.run(
        [sys.executable, str(BENCHMARK), "--defect", defect],
        capture_output=True,
        text=True,
        env=environment,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    assert f"from {root / 'src' / 'transformers'}" in completed.stdout  # the copy, not the installed package
    return json.loads(completed.stdout.strip().splitlines()[-1])["rows"]


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """For each fix that applies on this line: the defective copy, its edit, the edited copy, and both measured."""
    found = {}
    cases = {"pix2struct-d-kv": (pix2struct_d_kv, "pix2struct-d-kv")}
    if FIVE:
        cases["rt-detr-denoising-padding-row"] = (rt_detr_denoising_padding, "padding-rows")
    for slug, (module, defect) in cases.items():
        stock = _copy_tree(tmp_path_factory.mktemp(f"{slug}-stock"))
        if slug == "pix2struct-d-kv" and FIVE:
            source = (stock / PIX2STRUCT_FILE).read_text(encoding="utf-8")
            assert source.count(RELEASE_LINE) == 1, "5.23.0's Pix2Struct init changed: update MAIN_LINE"
            _write(stock, {PIX2STRUCT_FILE: source.replace(RELEASE_LINE, MAIN_LINE)})
        changed = module.FIX.edit(stock)
        patched = _copy_tree(tmp_path_factory.mktemp(f"{slug}-patched"))
        _write(patched, changed)
        found[slug] = {
            "changed": changed,
            "again": module.FIX.edit(patched),
            "stock": _measure(stock, defect),
            "patched": _measure(patched, defect),
        }
    return found


def _rows(rows: list[dict], defect: str) -> list[dict]:
    return [row for row in rows if row["defect"] == defect]


def test_the_series_lists_one_fix_per_family_in_order() -> None:
    assert [fix.slug for fix in DEFECT_FIXES] == ["pix2struct-d-kv", "rt-detr-denoising-padding-row"]
    for fix in DEFECT_FIXES:
        assert fix.title.startswith("🚨 "), fix.title  # both change fresh weights
        assert "9a90500b0b" in fix.reason and "9a90500b0b" in fix.description


def test_pix2struct_the_edit_changes_one_line(trees: dict) -> None:
    changed = trees["pix2struct-d-kv"]["changed"]
    assert sorted(changed) == [PIX2STRUCT_FILE]
    assert RELEASE_LINE in changed[PIX2STRUCT_FILE] and MAIN_LINE not in changed[PIX2STRUCT_FILE]


def test_pix2struct_a_second_edit_changes_nothing(trees: dict) -> None:
    assert trees["pix2struct-d-kv"]["again"] == {}


@pytest.mark.skipif(not FIVE, reason="4.57.6 predates upstream's own fix (#47558), which 5.23.0 holds")
def test_pix2struct_the_release_with_upstreams_fix_is_left_alone(tmp_path: Path) -> None:
    assert pix2struct_d_kv.FIX.edit(_copy_tree(tmp_path)) == {}


def test_pix2struct_the_edited_text_attention_draws_query_and_output_with_d_kv(trees: dict) -> None:
    rows = _rows(trees["pix2struct-d-kv"]["patched"], "pix2struct-d-kv")
    assert len(rows) == 8  # query, key, value, output; built as ForConditionalGeneration and as TextModel
    assert all(row["ok"] for row in rows), rows


def test_pix2struct_the_stock_text_attention_draws_them_with_hidden_size(trees: dict) -> None:
    rows = _rows(trees["pix2struct-d-kv"]["stock"], "pix2struct-d-kv")
    wrong = {(row["model"], row["tensor"].split()[1]) for row in rows if not row["ok"]}
    assert {tensor for _, tensor in wrong} == {"attention.query", "attention.output"}, rows
    assert len(wrong) == 4, rows
    for row in rows:  # hidden 64, d_kv 16: half the target std
        if not row["ok"]:
            assert row["measured"] == pytest.approx(row["expected"] / 2, rel=0.05)


@skip_on_4x
def test_rt_detr_the_edit_reaches_every_file_that_holds_the_init(trees: dict) -> None:
    assert set(trees["rt-detr-denoising-padding-row"]["changed"]) == RT_DETR_FILES_5X


@skip_on_4x
def test_rt_detr_a_second_edit_changes_nothing(trees: dict) -> None:
    assert trees["rt-detr-denoising-padding-row"]["again"] == {}


@skip_on_4x
def test_rt_detr_the_edited_models_start_with_a_zero_padding_row(trees: dict) -> None:
    rows = _rows(trees["rt-detr-denoising-padding-row"]["patched"], "rt-detr-denoising-padding-row")
    padded = [row for row in rows if "ok" in row]
    assert {row["model"] for row in padded} == {
        f"{name}ForObjectDetection" for name in ("RTDetr", "RTDetrV2", "DFine", "Deimv2")
    }
    assert all(row["measured"] == 0.0 for row in padded), rows


@skip_on_4x
def test_rt_detr_the_stock_models_do_not(trees: dict) -> None:
    rows = _rows(trees["rt-detr-denoising-padding-row"]["stock"], "rt-detr-denoising-padding-row")
    padded = [row for row in rows if "ok" in row]
    assert len(padded) == 4 and all(row["measured"] > 1.0 for row in padded), rows


@skip_on_4x
def test_rt_detr_draws_nothing_else_differently(trees: dict) -> None:
    """The fix only zeroes a row: the rest of every embedding, and PP-DocLayoutV2's embedding without padding_idx,
    are drawn exactly as before."""
    stock, patched = (
        _rows(trees["rt-detr-denoising-padding-row"][kind], "rt-detr-denoising-padding-row")
        for kind in ("stock", "patched")
    )
    assert [row["tensor"] for row in stock] == [row["tensor"] for row in patched]  # "std of the rest" included
    assert [row["measured"] for row in stock if "ok" not in row] == [
        row["measured"] for row in patched if "ok" not in row
    ]


@pytest.mark.skipif(FIVE, reason="4.57.6 draws with nn.init, code the RT-DETR fix does not know")
def test_rt_detr_a_tree_without_the_5x_init_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnknownCode, match="neither the defective code nor its fix"):
        rt_detr_denoising_padding.FIX.edit(_copy_tree(tmp_path))
