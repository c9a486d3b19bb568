"""The init-parity test added to transformers' common model test mixins.

``ModelTesterMixin`` (``tests/test_modeling_common.py``), and where the checkout still has them
``TFModelTesterMixin`` / ``FlaxModelTesterMixin``, get ``test_init_parity_scheme``: every class of
``all_model_classes`` is built from the tester's common config and, when that config is an
encoder-decoder whose family has a scheme, its fresh weights are checked against the scheme by the
generated helper (:mod:`.helper`). The method is added once; a later run replaces it only if its
text changed.
"""

from __future__ import annotations

import textwrap

import libcst as cst

from .checkout import HELPER_FILE
from .editing import Editor, format_statements

METHOD = "test_init_parity_scheme"
MIXINS = {"pt": "ModelTesterMixin", "tf": "TFModelTesterMixin", "flax": "FlaxModelTesterMixin"}
_HELPER_MODULE = HELPER_FILE.removeprefix("src/").removesuffix(".py").replace("/", ".")

TEMPLATE = """
def {method}(self):
    # Fresh weights of encoder-decoder models follow their family's initialization scheme, the same in PyTorch,
    # TensorFlow and Flax: see `{helper}`.
    from {module} import check_init_parity, scheme_for_config

    config, _ = self.model_tester.prepare_config_and_inputs_for_common()
    if not getattr(config, "is_encoder_decoder", False) or scheme_for_config(config) is None:
        self.skipTest(reason="only encoder-decoder models of a family with an initialization scheme are checked")
    for model_class in self.all_model_classes:
        with self.subTest(model_class=model_class.__name__):
            verdict = check_init_parity("{framework}", model_class, config)
            self.assertTrue(verdict.passed, "\\n".join(verdict.describe()))
"""


def method_source(framework: str) -> str:
    return (
        textwrap.dedent(TEMPLATE)
        .format(method=METHOD, helper=HELPER_FILE, module=_HELPER_MODULE, framework=framework)
        .strip("\n")
    )


def add_test(source: str, framework: str) -> tuple[str, str]:
    """(new source, what happened) with ``test_init_parity_scheme`` in the framework's mixin."""
    mixin = MIXINS[framework]
    editor = Editor(source)
    target = next((n for n in editor.module.body if isinstance(n, cst.ClassDef) and n.name.value == mixin), None)
    if target is None:
        return source, f"no class {mixin}: nothing added"
    wanted = format_statements([method_source(framework)], column=4)[0]
    existing = next((n for n in target.body.body if isinstance(n, cst.FunctionDef) and n.name.value == METHOD), None)
    if existing is not None:
        if existing.with_changes(leading_lines=()).deep_equals(wanted):
            return source, f"{mixin}.{METHOD} is up to date"
        editor.substitute(existing, wanted.with_changes(leading_lines=existing.leading_lines))
        return editor.result(), f"{mixin}.{METHOD} updated"
    method = wanted.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
    editor.substitute(target, target.with_changes(body=target.body.with_changes(body=[*target.body.body, method])))
    return editor.result(), f"{mixin}.{METHOD} added"
