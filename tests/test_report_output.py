"""``init-parity report --output``: a folder the report cannot be written to is bad input (exit 2),
found before anything is loaded or computed, with a message naming the path and the fix."""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from init_parity.cli import EXIT_BAD_INPUT, main
from init_parity.report import command


def run_report(output: str) -> tuple[int, str]:
    """``init-parity report --output OUTPUT`` with nothing computable: loading the frameworks or
    collecting a model fails the test."""
    err = io.StringIO()
    nothing = mock.Mock(side_effect=AssertionError("the report started work before checking --output"))
    with (
        mock.patch.object(command, "collect", nothing),
        mock.patch("init_parity.report.quiet.import_frameworks", nothing),
        mock.patch("init_parity.suite.models.discovery.discover", nothing),
        contextlib.redirect_stderr(err),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        code = main(["report", "--models", "t5", "--frameworks", "pt", "--format", "json", "--output", output])
    return code, err.getvalue()


def _startup_environment() -> dict[str, str]:
    """In a worker: the environment its process started with (Linux), before any of its code ran."""
    entries = Path("/proc/self/environ").read_bytes().decode(errors="replace").split("\0")
    return dict(entry.split("=", 1) for entry in entries if "=" in entry)


def _remove(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_dir():
            path.chmod(0o700)
    shutil.rmtree(folder, ignore_errors=True)


class ReportOutputTest(unittest.TestCase):
    def setUp(self):
        self.folder = Path(tempfile.mkdtemp(prefix="init-parity-output-"))
        self.addCleanup(_remove, self.folder)

    def test_a_file_in_the_folders_place(self):
        path = self.folder / "report"
        path.write_text("not a folder")
        code, err = run_report(str(path))
        self.assertEqual(code, EXIT_BAD_INPUT)
        self.assertIn(f"--output {path} is a file, not a folder", err)
        self.assertIn("give --output a folder you can write to", err)

    def test_a_folder_that_cannot_be_created(self):
        below_a_file = self.folder / "file" / "report"
        (self.folder / "file").write_text("")
        code, err = run_report(str(below_a_file))
        self.assertEqual(code, EXIT_BAD_INPUT)
        self.assertIn(f"--output {below_a_file}: the folder cannot be created", err)

    def test_a_folder_that_cannot_be_written_to(self):
        # a read-only folder; root writes into any mode, so as root a kernel folder stands in for it
        if os.geteuid() == 0:
            unwritable = Path("/sys/kernel")
        else:
            unwritable = self.folder / "read-only"
            unwritable.mkdir()
            unwritable.chmod(0o500)
        code, err = run_report(str(unwritable))
        self.assertEqual(code, EXIT_BAD_INPUT)
        self.assertIn(f"--output {unwritable}: the folder cannot be written to", err)

    def test_a_writable_folder_is_created_and_kept_empty_until_the_report_is_written(self):
        fresh = self.folder / "new" / "report"
        command.prepare_output(fresh)
        self.assertTrue(fresh.is_dir())
        self.assertEqual(list(fresh.iterdir()), [])


class ReportWorkersTest(unittest.TestCase):
    def test_model_types_in_worker_processes_give_the_same_verdicts(self):
        from init_parity.report.workers import worker_count

        self.assertEqual(worker_count(1), 1)  # one model type: no worker start-up to pay
        self.assertEqual(worker_count(5, requested=3), 3)
        self.assertGreaterEqual(worker_count(49), 1)
        folder = Path(tempfile.mkdtemp(prefix="init-parity-workers-"))
        self.addCleanup(_remove, folder)
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = main(
                ["report", "--models", "t5,bart", "--frameworks", "pt", "--scheme", "--format", "json",
                 "--output", str(folder), "--no-plots", "--quiet", "--workers", "2"]
            )  # fmt: skip
        self.assertEqual(code, 0, out.getvalue())
        self.assertIn("t5: scheme conforms", out.getvalue())
        self.assertIn("bart: scheme conforms", out.getvalue())
        self.assertIn("2 worker processes", out.getvalue())
        self.assertEqual(sorted(os.listdir(folder)), ["report.json"])

    @unittest.skipUnless(
        os.path.exists("/proc/self/environ"), "reads a process's start-up environment from Linux's /proc"
    )
    def test_workers_start_with_one_compute_thread_per_library(self):
        # numpy's BLAS sizes its thread pool when numpy is loaded, which a worker does before its
        # initializer runs: the setting must be in the environment the worker starts with
        from init_parity.report import workers

        before = dict(os.environ)
        pool = workers.start_workers(1, frameworks=())
        try:
            started_with = pool.submit(_startup_environment).result()
        finally:
            pool.shutdown()
        self.assertEqual(dict(os.environ), before)  # the caller's environment is left as it was
        for name, value in workers._ONE_THREAD.items():
            self.assertEqual(started_with.get(name), os.environ.get(name, value), name)

    def test_the_summaries_workers_send_back_are_read_and_written_without_transformers(self):
        # the report's main process holds every model type's summary: reading them and writing the
        # report must not import transformers, which imports PyTorch (0.3 GB of the report's 4 GB)
        from init_parity.report.collect import Report, collect, plan

        families = collect(plan(["t5"], ("pt",)), ("scheme",), (0,), first_loss=False)
        families[0].release()  # as a worker does before sending it
        report = Report(families, ("scheme",), ("scheme",), ("pt",), (0,))
        script = (
            "import pickle, sys; from init_parity.report import html, json_report; "
            "report = pickle.load(sys.stdin.buffer); html.render(report); json_report.render(report, 0); "
            "print(sorted(name for name in ('transformers', 'torch') if name in sys.modules))"
        )
        done = subprocess.run([sys.executable, "-c", script], input=pickle.dumps(report), capture_output=True)
        self.assertEqual(done.returncode, 0, done.stderr.decode())
        self.assertEqual(done.stdout.decode().strip(), "[]")
