"""``init-parity`` (or ``python -m init_parity``): the command line.

Each subcommand lives in its own module and registers itself with :func:`register`-style hooks:
``report`` (the parity table and plots) and ``upstream`` (the branch for transformers).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from .exits import EXIT_BAD_INPUT, EXIT_DRIFT, EXIT_OK, BadInput

__all__ = ["EXIT_BAD_INPUT", "EXIT_DRIFT", "EXIT_OK", "BadInput", "build_parser", "main"]

# module path -> the subcommand it registers (``register(subparsers)`` returns nothing, sets
# ``func`` on its parser; ``func(args) -> int`` is the exit code)
SUBCOMMANDS = ("init_parity.report.command", "init_parity.upstream.command")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="init-parity",
        description="How fresh encoder-decoder weights are drawn in PyTorch, TensorFlow and Flax, and the fix.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module_name in SUBCOMMANDS:
        importlib.import_module(module_name).register(subparsers)
    return parser


def _check_switch() -> None:
    """An ``INIT_PARITY`` that is neither on nor off is bad input here, before any work (at start-up
    the ``.pth`` hook only warns: it must not stop the interpreter)."""
    from .runtime.activation import UnknownSwitch, env_switch

    try:
        env_switch()
    except UnknownSwitch as error:
        raise BadInput(str(error)) from None


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # models are built from configs: never reach the hub
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _check_switch()
        return int(args.func(args))
    except BadInput as error:
        print(f"init-parity: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
