"""Keeping the frameworks' start-up chatter off the report's terminal output.

TensorFlow's C++ runtime logs informational lines (oneDNN, CUDA drivers) straight to file
descriptor 2 when it is imported, whatever ``TF_CPP_MIN_LOG_LEVEL`` says, and transformers warns
once per TF / Flax model that those classes are deprecated. The report imports the frameworks
up front with descriptor 2 captured, passes on every captured line except those informational
ones, and lowers transformers' logging to errors while it builds models.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Iterator, Sequence

_NATIVE_INFO = re.compile(r"^(I\d{4} [\d:.]+ +\d+ \S+:\d+\] |WARNING: All log messages before absl::InitializeLog)")
_MODULES = {"pt": ("torch",), "tf": ("tensorflow",), "flax": ("jax", "flax")}


@contextlib.contextmanager
def filtered_native_stderr() -> Iterator[None]:
    """Capture descriptor 2 inside the block; afterwards write back what is not native info logging."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real descriptor 2 (embedded interpreters): nothing to filter
        yield
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            kept = [
                line for line in sink.read().decode("utf-8", "replace").splitlines() if not _NATIVE_INFO.match(line)
            ]
            if kept:
                print("\n".join(kept), file=sys.stderr)


def import_frameworks(frameworks: Sequence[str]) -> None:
    """Import the frameworks (and transformers) the report will use, with their native info logs dropped."""
    with filtered_native_stderr():
        for framework in frameworks:
            for module in _MODULES.get(framework, ()):
                with contextlib.suppress(ImportError):
                    importlib.import_module(module)
        importlib.import_module("transformers")


@contextlib.contextmanager
def quiet_builds() -> Iterator[None]:
    """transformers' logging at error level inside the block (its deprecation warnings for TF and Flax
    classes would interleave with the progress bar), and tf-keras' warning that an unseeded
    initializer repeats its values silenced: the suite's independence test reports that finding."""
    from transformers.utils import logging

    before = logging.get_verbosity()
    logging.set_verbosity_error()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"The initializer \w+ is unseeded", category=UserWarning)
            yield
    finally:
        logging.set_verbosity(before)
