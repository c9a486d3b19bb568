"""The helper the checkout's ``test_init_scheme`` calls: ``tests/init_scheme_utils.py``.

Its statistics are ours, written for that file (``templates/init_scheme_utils.py``: a KS and a
chi-squared std test per drawn role computed with ``math`` and ``torch``, exact constants, a
Bonferroni correction per model class), so it needs nothing beyond a ``[torch,testing]`` install.
The generator appends the scheme data, rendered as code: one function per family that returns the
rules for a config, with every formula written as Python over the config's attributes
(:func:`init_parity.scheme.formula.to_code`), and ``INIT_SCHEMES``, model type -> that function.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from ..scheme import FAMILIES, FamilyScheme, formula
from .checkout import HELPER_FILE as HELPER
from .editing import ruff_binary, ruff_format

TEMPLATE = Path(__file__).with_name("templates") / "init_scheme_utils.py"
MARKER = "INIT_SCHEMES = {}  # rendered from the scheme data by `init-parity upstream`\n"
_KINDS = {"normal": "normal", "constant": "constant"}


def _rule(rule) -> str:
    if rule.kind not in _KINDS:
        raise ValueError(f"{rule.role}: the checkout's helper tests normal and constant roles, not {rule.kind}")
    if '"' in rule.pattern or rule.pattern.endswith("\\"):
        raise ValueError(f"{rule.role}: the pattern cannot be written as a raw string")
    value = _code(rule.param)
    when = f", when={_code(rule.when)}" if rule.when else ""
    return f'InitRule("{rule.role}", r"{rule.pattern}", "{rule.kind}", {value}{when}),'


def _code(text: str) -> str:
    """The formula as Python over ``config``, with powers written as transformers writes them (``x**-0.5``)."""
    return re.sub(r" \*\* \((-?[\d.]+)\)", r"**\1", formula.to_code(text, "config"))


def render_family(scheme: FamilyScheme) -> str:
    body = "\n".join(f"        {_rule(rule)}" for rule in scheme.rules)
    return (
        f"def _{scheme.family}_family(config) -> tuple[InitRule, ...]:\n"
        f'    """{scheme.reference}."""\n'
        f"    return (\n{body}\n    )\n"
    )


def render_schemes(families: list[str]) -> str:
    schemes = [FAMILIES[family] for family in families]
    functions = "\n\n".join(render_family(scheme) for scheme in schemes)
    entries = "".join(
        f"    {model_type!r}: _{scheme.family}_family,\n" for scheme in schemes for model_type in scheme.model_types
    )
    return f"{functions}\n\nINIT_SCHEMES = {{\n{entries}}}\n"


def families_in(source: str | None) -> list[str]:
    """The families an existing helper holds (so that writing another family keeps them)."""
    found = re.findall(r"^def _(\w+)_family\(", source or "", re.MULTILINE)
    return [family for family in found if family in FAMILIES]


def generate(families: list[str], lint_root: Path | None = None) -> str:
    """The helper's source, laid out by ruff with the checkout's settings when ``lint_root`` has them (import
    sorting, blank lines after imports), else transformers' line length."""
    template = TEMPLATE.read_text(encoding="utf-8")
    if MARKER not in template:
        raise RuntimeError(f"{TEMPLATE} lost its marker line {MARKER!r}")
    source = template.replace(MARKER, render_schemes(families))
    config = lint_root / "pyproject.toml" if lint_root else None
    if config is None or not config.is_file() or "[tool.ruff" not in config.read_text(encoding="utf-8"):
        return ruff_format(source)
    for command in (
        ["check", "--fix-only", "--exit-zero", "--select=I", f"--config={config}", f"--stdin-filename={HELPER}", "-"],
        ["format", f"--config={config}", f"--stdin-filename={HELPER}", "-"],
    ):
        completed = subprocess.run([ruff_binary(), *command], input=source, capture_output=True, text=True)
        if completed.returncode != 0:
            raise RuntimeError(f"ruff failed on the generated helper:\n{completed.stderr}")
        source = completed.stdout
    return source
