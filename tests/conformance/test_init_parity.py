"""The conformance suite: one InitParityTesterMixin test class per encoder-decoder model type of the
installed transformers that can be checked (a scheme, or a counterpart in a second framework).

Model types discovered but not checkable here are listed by ``test_every_discovered_family_is_accounted_for``
with their reason. Known upstream drifts are strict xfails (``expectations.py``).
"""

from __future__ import annotations

import functools
import unittest

import pytest

from init_parity.runtime.activation import is_enabled
from init_parity.scheme import other_line_only, scheme_for_model_type
from init_parity.suite.failure import InitParityFailure
from init_parity.suite.models.discovery import discover, missing_dependency
from init_parity.suite.models.tiny_configs import tiny_config
from init_parity.testing import InitParityTesterMixin
from tests.conformance.expectations import KNOWN_DRIFTS, STOCK_DRIFTS, Known


class TinyModelTester:
    """The part of transformers' model testers the mixin needs: the config."""

    def __init__(self, model_type: str) -> None:
        self.model_type = model_type

    def get_config(self):
        return tiny_config(self.model_type)


def checkable(family) -> str | None:
    """None when the suite checks ``family``, else the reason it cannot."""
    if "pt" not in family.classes:
        return "no PyTorch class in the auto mappings (the reference framework)"
    missing = missing_dependency(family)
    if missing:
        return missing
    if (
        scheme_for_model_type(family.model_type) is None
        and len(family.classes) < 2
        and other_line_only(family.model_type)
    ):
        return other_line_only(family.model_type)
    if scheme_for_model_type(family.model_type) is None and len(family.classes) < 2:
        return "PyTorch only and no scheme: nothing to compare"
    return None


FAMILIES = discover()
CHECKED = [family for family in FAMILIES if checkable(family) is None]


def _strict_xfail(method, expected: Known):
    """A strict xfail that holds on exactly the expected findings: one more, or one fewer, fails the test."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            method(self, *args, **kwargs)
        except InitParityFailure as error:
            if error.findings != expected.findings:
                raise RuntimeError(
                    f"findings differ from the known defect: not expected {sorted(map(str, error.findings - expected.findings))}, "
                    f"expected but not found {sorted(map(str, expected.findings - error.findings))}\n{error}"
                ) from error
            raise

    return pytest.mark.xfail(strict=True, raises=InitParityFailure, reason=expected.reason)(wrapper)


def _model_classes(family) -> tuple:
    """Every PyTorch class the auto mappings list for the family (base, LM head, encoder-only,
    sequence / QA / token heads...), the LM class of discovery first; but for the classes that need
    another config (:data:`OTHER_CONFIG`, another ``config_class``)."""
    import importlib

    import transformers

    module = importlib.import_module("transformers.models.auto.modeling_auto")
    names = {family.classes["pt"]: None}
    for mapping_name, mapping in sorted(vars(module).items()):
        if not (mapping_name.startswith("MODEL_") and mapping_name.endswith("_MAPPING_NAMES")):
            continue
        if not isinstance(mapping, dict):
            continue
        found = mapping.get(family.model_type)
        for name in found if isinstance(found, (list, tuple)) else (found,):
            if name:
                names.setdefault(name, None)
    config_class = type(tiny_config(family.model_type))
    return tuple(
        getattr(transformers, name)
        for name in names
        if hasattr(transformers, name)
        and name not in OTHER_CONFIG
        and getattr(getattr(transformers, name), "config_class", config_class) is config_class
    )


OTHER_CONFIG = {
    "T5GemmaEncoderModel": "built from an encoder-only T5GemmaConfig (is_encoder_decoder=False), not the family's",
}
"""Classes the auto mappings list for a family that cannot be built from its config; classes whose
``config_class`` is another config class (FastSpeech2ConformerWithHifiGan) are left out the same way."""


def _test_class(family) -> type:
    name = "".join(part.title() for part in family.model_type.replace("-", "_").split("_")) + "InitParityTest"
    attributes = {
        "model_tester": TinyModelTester(family.model_type),
        "all_model_classes": _model_classes(family),
        "pytestmark": [pytest.mark.xdist_group(family.model_type)],
        "__module__": __name__,
    }
    cls = type(name, (InitParityTesterMixin, unittest.TestCase), attributes)
    drifts = KNOWN_DRIFTS if is_enabled() else STOCK_DRIFTS
    for test_name in list(vars(InitParityTesterMixin)):
        if not test_name.startswith("test_init_parity_"):
            continue
        framework, mode = test_name.rsplit("_", 2)[-2:]
        kind = "scheme" if "follows_scheme" in test_name else "across"
        expected = drifts.get((family.model_type, f"{kind}-{framework}-{mode}"))
        if expected:
            setattr(cls, test_name, _strict_xfail(getattr(InitParityTesterMixin, test_name), expected))
    return cls


for _family in CHECKED:
    _cls = _test_class(_family)
    globals()[_cls.__name__] = _cls
del _family, _cls


def test_every_discovered_family_is_accounted_for():
    """Every encoder-decoder model type has a test class of this module or a reason; and, independently of
    :func:`checkable`, every type that has a PyTorch class, can be built here and has either a scheme on this
    transformers line or a second framework has a test class (a reason cannot hide it)."""
    generated = {
        value.model_tester.model_type
        for value in globals().values()
        if isinstance(value, type) and issubclass(value, InitParityTesterMixin) and hasattr(value, "model_tester")
    }
    skipped = {family.model_type: checkable(family) for family in FAMILIES if family.model_type not in generated}
    assert all(skipped.values()), [model_type for model_type, reason in skipped.items() if not reason]
    assert generated | set(skipped) == {family.model_type for family in FAMILIES}
    must = {
        family.model_type
        for family in FAMILIES
        if "pt" in family.classes
        and not missing_dependency(family)
        and (scheme_for_model_type(family.model_type) is not None or len(family.classes) > 1)
    }
    assert must <= generated, {model_type: skipped.get(model_type) for model_type in must - generated}
    assert {"t5", "mt5", "bart", "whisper"} <= generated
    print("not checked:", "; ".join(f"{k}: {v}" for k, v in sorted(skipped.items())))
