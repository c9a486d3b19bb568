"""The init-scheme test added to transformers' ``ModelTesterMixin`` (``tests/test_modeling_common.py``).

``test_init_scheme`` reads the scheme the test class declares (``init_scheme = "bart"``, written by
:mod:`.model_tests` into every encoder-decoder model's test class) and skips a class that declares none
before building anything. It checks every class of ``all_model_classes`` with the tester's config and,
for a class with an output embedding, with that config's ``tie_word_embeddings`` flipped (so a tied and
an untied lm_head are both built); for every class, that the ties it declares (``_tied_weights_keys``)
other than the lm_head's hold, that an untied config gives an lm_head of its own, and that the first
loss of an LM head on the tester's inputs, built with ``initializer_factor`` 1.0, does not exceed
ln(vocab) + 1. It collects every failure and asserts once: no ``subTest``, whose failures pytest 9 no
longer reports on the parent test (upstream pins pytest < 9 for it; the test does not depend on that
pin). The statistics live in the helper under ``tests/`` (:mod:`.helper`). The method is added once; a
later run replaces it only if its text changed.
"""

from __future__ import annotations

import textwrap

import libcst as cst

from .checkout import HELPER_FILE
from .editing import Editor, format_statements
from .model_tests import ATTRIBUTE
from .model_tests import CONFIG as CONFIG_ATTRIBUTE

METHOD = "test_init_scheme"
OLD_METHODS = ("test_init_parity_scheme",)  # names an earlier version of the generator wrote
MIXIN = "ModelTesterMixin"
HELPER_MODULE = HELPER_FILE.removeprefix("tests/").removesuffix(".py")

TEMPLATE = """
def {method}(self):
    # Fresh weights follow the initialization scheme the test class declares (`{attribute}`, a scheme of
    # `tests/{helper}.py`) with the lm_head tied and untied, the ties the class declares hold, and an LM head starts
    # near the loss of a uniform guess.
    scheme = getattr(self, "{attribute}", None)
    if scheme is None:
        self.skipTest(reason="the test class declares no `{attribute}` (every encoder-decoder model's does)")
    config, inputs_dict = self.model_tester.prepare_config_and_inputs_for_common()
    for key, value in getattr(self, "{config}", {{}}).items():  # parts the tester's config leaves out
        setattr(config, key, value)
    tied = getattr(config, "tie_word_embeddings", False)
    failures = []  # every class and config is checked before the one assertion (no subTest)
    for model_class in self.all_model_classes:
        for variant, wanted_tie in (("tester's config", tied), ("untied" if tied else "tied", not tied)):
            where = f"{{model_class.__name__}} ({{variant}})"
            model_config = config if wanted_tie == tied else with_tie(config, wanted_tie)
            unit_config = copy.deepcopy(model_config)
            if hasattr(unit_config, "initializer_factor"):
                unit_config.initializer_factor = 1.0
            torch.manual_seed(0)
            model = model_class(unit_config).eval()
            head = model.get_output_embeddings()
            if wanted_tie != tied and head is None:
                continue  # the flipped tie changes nothing without an output embedding
            failures += [f"{{where}}: {{failure}}" for failure in init_scheme_failures(model_class, model_config, scheme)]
            failures += [f"{{where}}: {{failure}}" for failure in tie_failures(model)]
            if head is None or "labels" not in inspect.signature(model.forward).parameters:
                continue
            if not unit_config.tie_word_embeddings and head.weight is model.get_input_embeddings().weight:
                failures.append(f"{{where}}: the config says tie_word_embeddings=False, but the lm_head is the input embedding")
            inputs = self._prepare_for_class(inputs_dict, model_class)
            if "input_ids" not in inputs:
                continue
            inputs = {{k: v for k, v in inputs.items() if not k.startswith("decoder_")}}
            inputs["labels"] = inputs["input_ids"] % head.weight.shape[0]
            with torch.no_grad():
                loss = model(**inputs).loss.item()
            bound = math.log(head.weight.shape[0]) + 1
            if not loss <= bound:
                failures.append(f"{{where}}: first loss {{loss:.2f}} > ln(vocab_size) + 1 = {{bound:.2f}}")
    self.assertEqual(failures, [], "\\n".join(failures))
"""

IMPORT = f"from .{HELPER_MODULE} import init_scheme_failures, tie_failures, with_tie"


def method_source() -> str:
    return (
        textwrap.dedent(TEMPLATE)
        .format(method=METHOD, helper=HELPER_MODULE, attribute=ATTRIBUTE, config=CONFIG_ATTRIBUTE)
        .strip("\n")
    )


def add_test(source: str) -> tuple[str, str]:
    """(new source, what happened) with ``test_init_scheme`` in ``ModelTesterMixin`` and the helper imported."""
    editor = Editor(source)
    target = next((n for n in editor.module.body if isinstance(n, cst.ClassDef) and n.name.value == MIXIN), None)
    if target is None:
        return source, f"no class {MIXIN}: nothing added"
    wanted = format_statements([method_source()], column=4)[0]
    members = [n for n in target.body.body if isinstance(n, cst.FunctionDef)]
    existing = next((n for n in members if n.name.value == METHOD), None)
    stale = [n for n in members if n.name.value in OLD_METHODS]
    if existing is not None and existing.with_changes(leading_lines=()).deep_equals(wanted) and not stale:
        what = f"{MIXIN}.{METHOD} is up to date"
    elif existing is not None:
        editor.substitute(existing, wanted.with_changes(leading_lines=existing.leading_lines))
        what = f"{MIXIN}.{METHOD} updated"
    else:
        method = wanted.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
        body = [*(n for n in target.body.body if n not in stale), method]
        editor.substitute(target, target.with_changes(body=target.body.with_changes(body=body)))
        what = f"{MIXIN}.{METHOD} added"
    if existing is not None and stale:
        for node in stale:
            editor.substitute(node, cst.RemoveFromParent())
    new = _with_import(editor.result())
    return new, what if new != source else f"{MIXIN}.{METHOD} is up to date"


def _with_import(source: str) -> str:
    """The helper's import after the module's last top-level relative import (``from .generation...``)."""
    if IMPORT in source:
        return source
    lines = source.splitlines(keepends=True)
    relative = [i for i, line in enumerate(lines) if line.startswith("from .") and not line.rstrip().endswith("(")]
    if not relative:
        raise RuntimeError("tests/test_modeling_common.py has no one-line relative import to put the helper's after")
    at = relative[-1] + 1
    return "".join([*lines[:at], IMPORT + "\n", *lines[at:]])
