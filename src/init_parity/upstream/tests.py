"""The init-scheme test added to transformers' ``ModelTesterMixin`` (``tests/test_modeling_common.py``).

``test_init_scheme`` skips a model whose family has no scheme before building anything (a dict
lookup on the class's ``config_class.model_type``). Otherwise it checks every class of
``all_model_classes`` (encoder-only ones too) with the tester's config and with that config's
``tie_word_embeddings`` flipped (so a tied and an untied lm_head are both built); and for every class
with an LM head, that an untied config gives an lm_head of its own while the other ties the class declares
(``_tied_weights_keys``: the encoder and decoder embeddings to ``shared``) hold, and that the first loss on the tester's
inputs, built with ``initializer_factor`` 1.0, does not exceed ln(vocab) + 1. It collects every
failure and asserts once: no ``subTest``, whose failures pytest 9 no longer reports on the parent
test (upstream pins pytest < 9 for it; the test does not depend on that pin). The
statistics live in the helper under ``tests/`` (:mod:`.helper`). The method is added once; a
later run replaces it only if its text changed.
"""

from __future__ import annotations

import textwrap

import libcst as cst

from .checkout import HELPER_FILE
from .editing import Editor, format_statements

METHOD = "test_init_scheme"
OLD_METHODS = ("test_init_parity_scheme",)  # names an earlier version of the generator wrote
MIXIN = "ModelTesterMixin"
HELPER_MODULE = HELPER_FILE.removeprefix("tests/").removesuffix(".py")

TEMPLATE = """
def {method}(self):
    # Fresh weights follow the family's initialization scheme (`tests/{helper}.py`) with the lm_head tied and
    # untied, the ties the class declares hold, and an LM head starts near the loss of a uniform guess.
    if not self.all_model_classes or self.all_model_classes[0].config_class.model_type not in INIT_SCHEMES:
        self.skipTest(reason="the model's family has no initialization scheme")
    config, inputs_dict = self.model_tester.prepare_config_and_inputs_for_common()
    tied = getattr(config, "tie_word_embeddings", False)
    configs = {{"tester's config": (config, tied), "untied" if tied else "tied": (with_tie(config, not tied), not tied)}}
    failures = []  # every class and config is checked before the one assertion (no subTest)
    for model_class in self.all_model_classes:
        for variant, (model_config, wanted_tie) in configs.items():
            where = f"{{model_class.__name__}} ({{variant}})"
            failures += [f"{{where}}: {{failure}}" for failure in init_scheme_failures(model_class, model_config)]
            unit_config = copy.deepcopy(model_config)
            unit_config.initializer_factor = 1.0
            torch.manual_seed(0)
            model = model_class(unit_config).eval()
            ties = model._tied_weights_keys if isinstance(model._tied_weights_keys, dict) else {{}}
            for target, source in ties.items():  # the lm_head follows the config, the input embeddings stay shared
                if not target.startswith("lm_head.") and model.get_parameter(target) is not model.get_parameter(source):
                    failures.append(f"{{where}}: {{target}} is not tied to {{source}}")
            head = model.get_output_embeddings()
            if head is None or "labels" not in inspect.signature(model.forward).parameters:
                continue
            if not wanted_tie and unit_config.tie_word_embeddings:
                failures.append(f"{{where}}: the config turned tie_word_embeddings=False into True")
            elif not wanted_tie and head.weight is model.get_input_embeddings().weight:
                failures.append(f"{{where}}: the config says tie_word_embeddings=False, but the lm_head is the input embedding")
            inputs = self._prepare_for_class(inputs_dict, model_class)
            inputs = {{k: v for k, v in inputs.items() if not k.startswith("decoder_")}}
            inputs["labels"] = inputs["input_ids"] % unit_config.vocab_size
            with torch.no_grad():
                loss = model(**inputs).loss.item()
            if loss > math.log(unit_config.vocab_size) + 1:
                failures.append(f"{{where}}: first loss {{loss:.2f}} > ln(vocab_size) + 1 = {{math.log(unit_config.vocab_size) + 1:.2f}}")
    self.assertEqual(failures, [], "\\n".join(failures))
"""

IMPORT = f"from .{HELPER_MODULE} import INIT_SCHEMES, init_scheme_failures, with_tie"


def method_source() -> str:
    return textwrap.dedent(TEMPLATE).format(method=METHOD, helper=HELPER_MODULE).strip("\n")


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
