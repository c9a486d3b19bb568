"""``InitParityTesterMixin``: init-parity checks for a transformers-style model test class.

Mix it into a ``unittest.TestCase`` that has what transformers' ``ModelTesterMixin`` expects: a
``model_tester`` (with ``get_config()`` or ``prepare_config_and_inputs_for_common()``) and
``all_model_classes`` (PyTorch classes). For every model class it then checks, per framework,
fresh weights against the scheme (when the model type has one) and their independence, and
compares each TensorFlow / Flax counterpart with PyTorch, role by role. Statistics come from
:mod:`init_parity.stats`; each test's verdict holds its family-wise false-alarm rate
(:data:`init_parity.stats.FAMILY_WISE_ALPHA`) by a Holm correction over its own tests.
"""

from __future__ import annotations

from typing import Any

from parameterized import parameterized

from ..conformance import FamilyCheck, check_arrays, collect
from ..frameworks import installed, unavailable
from ..naming import FRAMEWORK_TITLES

_PREFIX = {"pt": "", "tf": "TF", "flax": "Flax"}


def counterpart_name(pt_class_name: str, framework: str) -> str:
    """transformers' naming: ``T5Model`` -> ``TFT5Model`` / ``FlaxT5Model``."""
    return _PREFIX[framework] + pt_class_name


class InitParityTesterMixin:
    """Adds ``test_init_parity_follows_scheme_*`` and ``test_init_parity_across_frameworks_*``."""

    model_tester: Any
    all_model_classes: tuple = ()
    init_parity_seeds: tuple[int, ...] | None = None  # None: as many as the smallest role needs

    def _init_parity_config(self) -> Any:
        tester = self.model_tester
        if hasattr(tester, "get_config"):
            return tester.get_config()
        return tester.prepare_config_and_inputs_for_common()[0]

    def _init_parity_classes(self, framework: str) -> list[str]:
        """Names of the ``framework`` counterparts of ``all_model_classes``; skips, with the reason,
        when the framework is not installed or transformers has no counterpart."""
        import transformers

        if framework not in installed():
            self.skipTest(unavailable(framework))
        names = [counterpart_name(cls.__name__, framework) for cls in self.all_model_classes]
        present = [name for name in names if hasattr(transformers, name)]
        if not present:
            self.skipTest(
                f"no {FRAMEWORK_TITLES[framework]} counterpart of {', '.join(c.__name__ for c in self.all_model_classes)}"
            )
        return present

    def _init_parity_check(self, classes: dict[str, str]) -> FamilyCheck:
        config = self._init_parity_config()
        arrays = collect(classes, config, self.init_parity_seeds)
        return check_arrays(config.model_type, config, arrays, patched=None)

    def _init_parity_assert(self, check: FamilyCheck, verdict: Any, structural: list[str], what: str) -> None:
        problems = check.describe_drifts(verdict, structural)
        if problems:
            self.fail(
                f"{what}: {len(problems)} finding(s) at family-wise alpha {verdict.alpha:g}:\n  "
                + "\n  ".join(problems)
            )

    @parameterized.expand([(fw,) for fw in ("pt", "tf", "flax")])
    def test_init_parity_follows_scheme(self, framework: str) -> None:
        for name in self._init_parity_classes(framework):
            check = self._init_parity_check({framework: name})
            verdict = check.sub_verdict(lambda label: "~" not in label)
            self._init_parity_assert(check, verdict, [], f"{name} fresh weights")

    @parameterized.expand([(fw,) for fw in ("tf", "flax")])
    def test_init_parity_across_frameworks(self, framework: str) -> None:
        if "pt" not in installed():
            self.skipTest("PyTorch, the reference framework, is not installed")
        for name in self._init_parity_classes(framework):
            pt_name = name[len(_PREFIX[framework]) :]
            check = self._init_parity_check({"pt": pt_name, framework: name})
            verdict = check.sub_verdict(lambda label: "~" in label)
            self._init_parity_assert(check, verdict, check.structural, f"{name} against {pt_name}")
