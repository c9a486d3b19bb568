"""The per-model part of the init-scheme test: what each encoder-decoder model's test class declares.

Upstream keeps per-model test facts on the model's test class (``all_model_classes``,
``is_encoder_decoder``, ``test_pruning`` ...). So does the series: every class of
``tests/models/<type>/test_modeling_<type>.py`` that mixes in ``ModelTesterMixin`` gets one line,
``init_scheme = "<family>"``, the name of its scheme in ``tests/init_scheme_utils.py`` (rendered from
:data:`init_parity.scheme.FAMILIES`). A class whose stock initialization is a known defect also gets
upstream's mark for a test known to fail (``@pytest.mark.xfail``, as in
``tests/utils/test_modeling_utils.py`` since #38155), strict, with the measured numbers in its reason;
the comment above it names the fix that removes it (:class:`KnownFailure`). In a class that is ``# Copied from``
another, the override is headed by ``# Ignore copy``, as upstream heads a copied class's own blocks, so that
``utils/check_copies.py`` holds with a reason of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from .editing import format_statements

ATTRIBUTE = "init_scheme"
METHOD = "test_init_scheme"
IGNORE_COPY = "# Ignore copy"  # utils/check_copies.py compares a copied class without the block it heads
_COPIED_FROM = re.compile(r"# Copied from tests\.models\.\w+\.test_modeling_\w+\.(\w+)")
MARK_COMMENT = "# Known failure of the stock initialization, removed by the fix `{slug}`"
_MARK_SLUG = re.compile(r"# Known failure of the stock initialization, removed by the fix `([\w.-]+)`")

# Test classes of an encoder-decoder model's file that test another model (a sub-model or a vocoder, with a config
# of its own that the family's scheme does not describe), with the reason.
OTHER_MODELS: dict[str, str] = {
    "Pix2StructVisionModelTest": "Pix2StructVisionModel alone, under its own vision config",
    "Pix2StructTextModelTest": "Pix2StructTextModel alone, under its own text config",
    "SpeechT5HifiGanTest": "the HiFi-GAN vocoder, a model of its own (SpeechT5HifiGanConfig)",
    "FastSpeech2ConformerWithHifiGanTest": "the model with its vocoder, under a composite config",
}


# Config values the init test builds a model type with, beyond its tester's: parts the tester leaves out (RT-DETR's
# tester sets num_denoising=0, so its denoising class embedding, whose padding row the scheme checks, is not built).
CONFIG = "init_scheme_config"
CONFIG_VALUES: dict[str, dict[str, int]] = {
    "rt_detr": {"num_denoising": 8},
    "rt_detr_v2": {"num_denoising": 8},
    "d_fine": {"num_denoising": 8},
}


@dataclass(frozen=True)
class KnownFailure:
    slug: str  # the fix that removes the mark
    reason: str  # the xfail reason: what fails, with the measured numbers


def test_file(model_type: str) -> str:
    folder = model_type.replace("-", "_")
    return f"tests/models/{folder}/test_modeling_{folder}.py"


def _bases(node: cst.ClassDef) -> list[str]:
    return [arg.value.value for arg in node.bases if isinstance(arg.value, cst.Name)]


def tester_classes(source: str) -> list[str]:
    """The names of the classes that mix in ``ModelTesterMixin`` (those :data:`OTHER_MODELS` names excepted)."""
    module = cst.parse_module(source)
    return [
        node.name.value
        for node in module.body
        if isinstance(node, cst.ClassDef)
        and "ModelTesterMixin" in _bases(node)
        and node.name.value not in OTHER_MODELS
    ]


def _is_assignment(statement: cst.CSTNode, name: str) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    for small in statement.body:
        targets = small.targets if isinstance(small, cst.Assign) else []
        if any(isinstance(t.target, cst.Name) and t.target.value == name for t in targets):
            return True
    return False


def _mark_slug(node: cst.CSTNode) -> str | None:
    """The fix named above a ``test_init_scheme`` override, or None for any other statement."""
    if not isinstance(node, cst.FunctionDef) or node.name.value != METHOD:
        return None
    comments = [line.comment.value for line in node.leading_lines if line.comment is not None]
    found = [m.group(1) for c in comments if (m := _MARK_SLUG.fullmatch(c.strip()))]
    return found[0] if found else None


def copied_from(source: str) -> dict[str, str]:
    """Test class -> the class it is ``# Copied from`` (utils/check_copies.py keeps the two alike)."""
    copies = {}
    for node in cst.parse_module(source).body:
        if isinstance(node, cst.ClassDef):
            for line in (*node.leading_lines, *node.lines_after_decorators):
                if line.comment is not None and (match := _COPIED_FROM.match(line.comment.value)):
                    copies[node.name.value] = match.group(1)
    return copies


def _override(failure: KnownFailure, copy: bool) -> cst.BaseStatement:
    source = (
        f"@pytest.mark.xfail(strict=True, reason={failure.reason!r})\ndef {METHOD}(self):\n    super().{METHOD}()\n"
    )
    (statement,) = format_statements([source], column=4)
    comments = [IGNORE_COPY] if copy else []
    comments.append(MARK_COMMENT.format(slug=failure.slug))
    lines = [cst.EmptyLine(indent=False), *(cst.EmptyLine(comment=cst.Comment(c)) for c in comments)]
    return statement.with_changes(leading_lines=lines)


class _Declare(cst.CSTTransformer):
    def __init__(
        self, family: str, failures: dict[str, KnownFailure], classes: list[str], copies: set[str], values: dict
    ) -> None:
        super().__init__()
        self.family, self.failures, self.classes, self.copies, self.values = family, failures, classes, copies, values

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        if updated.name.value not in self.classes:
            return updated
        body = [
            s
            for s in updated.body.body
            if _mark_slug(s) is None and not _is_assignment(s, ATTRIBUTE) and not _is_assignment(s, CONFIG)
        ]
        lines = [f"{ATTRIBUTE} = {self.family!r}"] + ([f"{CONFIG} = {self.values!r}"] if self.values else [])
        declarations = format_statements(lines, column=4)
        anchor = next((i for i, s in enumerate(body) if _is_assignment(s, "all_model_classes")), None)
        at = 0 if anchor is None else anchor + 1
        if at == 0 and body and isinstance(body[0], cst.SimpleStatementLine):
            first = body[0].body[0]
            at = 1 if isinstance(first, cst.Expr) and isinstance(first.value, cst.SimpleString) else 0
        body[at:at] = declarations
        failure = self.failures.get(updated.name.value)
        if failure is not None:
            body.append(_override(failure, updated.name.value in self.copies))
        return updated.with_changes(body=updated.body.with_changes(body=body))


def declare(
    source: str, family: str, failures: dict[str, KnownFailure] | None = None, values: dict | None = None
) -> tuple[str, list[str]]:
    """(new source, the classes declared): every tester class declares ``family`` (and ``values``, the config values
    of :data:`CONFIG_VALUES`, when given); a class named in ``failures`` carries that mark (and no other)."""
    classes = tester_classes(source)
    if not classes:
        return source, []
    copies = set(copied_from(source))
    new = cst.parse_module(source).visit(_Declare(family, failures or {}, classes, copies, values or {})).code
    return _pytest_import(new), classes


def marks(source: str) -> set[str]:
    """The fixes whose marks the file carries."""
    module = cst.parse_module(source)
    return {
        slug
        for node in module.body
        if isinstance(node, cst.ClassDef)
        for statement in node.body.body
        if (slug := _mark_slug(statement)) is not None
    }


def mark_reasons(source: str) -> list[tuple[str, str]]:
    """(slug, reason) of every mark in the file, in order."""
    rows = []
    for node in cst.parse_module(source).body:
        if not isinstance(node, cst.ClassDef):
            continue
        for statement in node.body.body:
            slug = _mark_slug(statement)
            if slug is None:
                continue
            call = statement.decorators[0].decorator
            reason = next(arg.value for arg in call.args if arg.keyword and arg.keyword.value == "reason")
            rows.append((slug, reason.evaluated_value if isinstance(reason, cst.SimpleString) else reason.code))
    return rows


class _Unmark(cst.CSTTransformer):
    def __init__(self, slug: str) -> None:
        super().__init__()
        self.slug = slug

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        body = [s for s in updated.body.body if _mark_slug(s) != self.slug]
        return updated.with_changes(body=updated.body.with_changes(body=body))


def unmark(source: str, slug: str) -> str:
    """``source`` without the marks of the fix ``slug`` (and without ``import pytest`` if nothing else uses it)."""
    if slug not in marks(source):
        return source
    return _pytest_import(cst.parse_module(source).visit(_Unmark(slug)).code)


def _pytest_import(source: str) -> str:
    """``import pytest`` where isort puts it while a mark needs it (among the third-party ``import`` lines after the
    standard library's, or a group of its own before transformers'), and gone once nothing uses it. Written by hand so
    that no other line of the file is touched."""
    uses = len(re.findall(r"\bpytest\.", source))
    lines = source.splitlines(keepends=True)
    has = "import pytest\n" in lines
    if has and not uses:
        at = lines.index("import pytest\n")
        if lines[at - 1] == "\n" and lines[at + 1] == "\n":  # a group of its own
            del lines[at + 1]
        del lines[at]
        return "".join(lines)
    if not uses or has:
        return source
    if "import unittest\n" not in lines:
        raise ValueError("the test file has no `import unittest` line to place `import pytest` after")
    at = lines.index("import unittest\n")
    while lines[at] != "\n":  # the end of the standard library's group
        at += 1
    while lines[at] == "\n":
        at += 1
    if lines[at].startswith(("from transformers", "from .", "import transformers")):
        return "".join([*lines[:at], "import pytest\n", "\n", *lines[at:]])
    while lines[at].startswith("import ") and lines[at].split()[1] < "pytest":
        at += 1
    return "".join([*lines[:at], "import pytest\n", *lines[at:]])
