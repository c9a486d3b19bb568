"""The helper the checkout's ``test_init_scheme`` calls: ``tests/init_scheme_utils.py``.

Its statistics are ours, written for that file (``templates/init_scheme_utils.py``: a KS and a
chi-squared std test per drawn role computed with ``math`` and ``torch``, exact constants, a
Bonferroni correction per model class), so it needs nothing beyond a ``[torch,testing]`` install.
The generator appends the scheme data, rendered as code: one function per family that returns the
rules for a config, with every formula written as Python over the config's attributes
(:func:`init_parity.scheme.formula.to_code`), and ``INIT_SCHEMES``, family -> that function, the
name a model's test class declares (:mod:`.model_tests`). Tensors a family leaves to the model's
own code come first (kind ``left``), tables the model computes are kind ``computed``: neither is
tested, and neither falls through to a later rule.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..scheme import FAMILIES, FamilyScheme, formula
from .checkout import HELPER_FILE as HELPER
from .editing import lint_file

TEMPLATE = Path(__file__).with_name("templates") / "init_scheme_utils.py"
MARKER = "INIT_SCHEMES = {}  # rendered from the scheme data by `init-parity upstream`\n"
_KINDS = {"normal": "normal", "uniform": "uniform", "constant": "constant", "deterministic": "computed"}


def _pattern(role: str, pattern: str) -> str:
    if '"' in pattern or pattern.endswith("\\"):
        raise ValueError(f"{role}: the pattern cannot be written as a raw string")
    return f'r"{pattern}"'


def _rule(rule) -> str:
    if rule.kind not in _KINDS:
        raise ValueError(f"{rule.role}: the checkout's helper tests {', '.join(_KINDS)} roles, not {rule.kind}")
    head = f'InitRule("{rule.role}", {_pattern(rule.role, rule.pattern)}, "{_KINDS[rule.kind]}"'
    if rule.kind == "deterministic":
        return f"{head}),"
    when = f", when={_code(rule.when)}" if rule.when else ""
    zero_row = f", zero_row={_code(rule.zero_row)}" if rule.zero_row else ""
    value = _value(rule.param) if rule.kind == "constant" else _code(rule.param)
    return f"{head}, {value}{when}{zero_row}),"


def _left(scheme: FamilyScheme) -> list[str]:
    return [f'InitRule("left", {_pattern("left", left.pattern)}, "left"),' for left in scheme.left]


def _value(text: str) -> str:
    """A constant's value; a bare config attribute (such as ``reg_scale``) read with ``getattr``, so that a config
    without it (RT-DETR's, which shares D-FINE's table) gives a rule that matches nothing rather than an error."""
    if text.isidentifier():
        return f"getattr(config, {text!r}, None)"
    return _code(text)


def _code(text: str) -> str:
    """The formula as Python over ``config``, with powers written as transformers writes them (``x**-0.5``)."""
    return re.sub(r" \*\* \((-?[\d.]+)\)", r"**\1", formula.to_code(text, "config"))


def render_family(scheme: FamilyScheme) -> str:
    body = "\n".join(f"        {line}" for line in [*_left(scheme), *map(_rule, scheme.rules)])
    return (
        f"def {function_name(scheme.family)}(config) -> tuple[InitRule, ...]:\n"
        f'    """{scheme.reference}."""\n'
        f"    return (\n{body}\n    )\n"
    )


def function_name(family: str) -> str:
    return f"_{family.replace('-', '_')}_family"


def render_schemes(families: list[str]) -> str:
    schemes = [FAMILIES[family] for family in families]
    functions = "\n\n".join(render_family(scheme) for scheme in schemes)
    entries = "".join(f"    {scheme.family!r}: {function_name(scheme.family)},\n" for scheme in schemes)
    return f"{functions}\n\nINIT_SCHEMES = {{\n{entries}}}\n"


def families_in(source: str | None) -> list[str]:
    """The families an existing helper holds (so that writing another family keeps them)."""
    found = re.findall(r"^def (_\w+_family)\(", source or "", re.MULTILINE)
    return [family for family in FAMILIES if function_name(family) in found]


def generate(families: list[str], lint_root: Path | None = None) -> str:
    """The helper's source, laid out by ruff with the checkout's settings when ``lint_root`` has them (import
    sorting, blank lines after imports), else transformers' line length."""
    template = TEMPLATE.read_text(encoding="utf-8")
    if MARKER not in template:
        raise RuntimeError(f"{TEMPLATE} lost its marker line {MARKER!r}")
    source = template.replace(MARKER, render_schemes(families))
    return lint_file(source, HELPER, lint_root)
