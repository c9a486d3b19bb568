"""``InitParityTesterMixin``: init-parity checks for a transformers-style model test class.

Mix it into a ``unittest.TestCase`` that has what transformers' ``ModelTesterMixin`` expects: a
``model_tester`` (with ``get_config()`` or ``prepare_config_and_inputs_for_common()``) and
``all_model_classes`` (PyTorch classes). Every test runs in both tie modes
(``tie_word_embeddings`` True and False) over every model class and its TensorFlow / Flax
counterparts, all classes of a framework in one check (each class with seeds of its own, so their
draws are independent; a role pools over layers, seeds and classes, a tensor is named with its
class):

* ``test_init_parity_follows_scheme_<fw>_<tied|untied>``: fresh weights against the scheme (pooled
  per role: KS, std, kurtosis; per tensor: std; padding rows zero), their independence, the tie
  structure (a tied head is the embedding, an untied head a tensor of its own) and the first loss
  against the scheme's bound;
* ``test_init_parity_across_frameworks_<fw>_<tied|untied>``: that framework against PyTorch, role
  by role and tensor by tensor, the same tensors in both, and the same first loss.

Statistics come from :mod:`init_parity.suite.stats`; each test's verdict holds its family-wise false-alarm
rate (:data:`init_parity.suite.stats.FAMILY_WISE_ALPHA`) by a Holm correction per test family.
"""

from __future__ import annotations

import warnings
from typing import Any

from parameterized import parameterized

from ..scheme.naming import FRAMEWORK_TITLES, counterpart_name
from .building import ClassEntry, check_classes
from .conformance import FamilyCheck
from .failure import InitParityFailure, findings_of
from .frameworks import installed, unavailable
from .tie_modes import TIE_MODES, with_tie_mode


def _test_name(func, _index, param) -> str:
    return f"{func.__name__}_{'_'.join(param.args)}"


class InitParityTesterMixin:
    """Adds ``test_init_parity_follows_scheme_*`` and ``test_init_parity_across_frameworks_*``."""

    model_tester: Any
    all_model_classes: tuple = ()
    init_parity_seeds: tuple[int, ...] | None = None  # None: as many as the smallest role needs

    def _init_parity_config(self, tied: bool) -> Any:
        tester = self.model_tester
        config = (
            tester.get_config() if hasattr(tester, "get_config") else tester.prepare_config_and_inputs_for_common()[0]
        )
        return with_tie_mode(config, tied)

    def _init_parity_entries(self, frameworks: tuple[str, ...]) -> list[ClassEntry]:
        """One entry per class of ``all_model_classes`` that has a counterpart in each of ``frameworks``
        (seed bases 1000 apart, by the class's place in ``all_model_classes``); skips, with the reason,
        when a framework is not installed or no class has counterparts."""
        import transformers

        for framework in frameworks:
            if framework not in installed():
                self.skipTest(unavailable(framework))
        entries = []
        for index, cls in enumerate(self.all_model_classes):
            names = {fw: counterpart_name(cls.__name__, fw) for fw in frameworks}
            if all(hasattr(transformers, name) for name in names.values()):
                entries.append(ClassEntry(cls.__name__, names, 1000 * index))
        if not entries:
            titles = "/".join(FRAMEWORK_TITLES[fw] for fw in frameworks if fw != "pt")
            self.skipTest(f"no {titles} counterpart of {', '.join(c.__name__ for c in self.all_model_classes)}")
        return entries[:1] + [entry for entry in entries[1:] if self._init_parity_buildable(entry)]

    def _init_parity_buildable(self, entry: ClassEntry) -> bool:
        """Whether a further class builds from the tester's config (a head with constraints of its own,
        such as DETR's segmentation head, may not): if not, it is left out with a warning naming the
        error; the first class must build."""
        from .building import built

        try:
            for framework, name in entry.classes.items():
                built(framework, name, self._init_parity_config(True), entry.seed_base)
        except Exception as error:  # noqa: BLE001 - transformers' own check of the config, named in the warning
            warnings.warn(f"{entry.tag} left out: it does not build from the test config: {error}", stacklevel=2)
            return False
        return True

    def _init_parity_check(self, frameworks: tuple[str, ...], tie_mode: str) -> FamilyCheck:
        entries = self._init_parity_entries(frameworks)
        return check_classes(entries, self._init_parity_config(TIE_MODES[tie_mode]), self.init_parity_seeds)

    def _init_parity_assert(self, check: FamilyCheck, verdict: Any, structural: list[str], what: str) -> None:
        problems = check.describe_drifts(verdict, structural)
        if problems:
            message = f"{what}: {len(problems)} finding(s) at family-wise alpha {verdict.alpha:g}:\n  "
            findings = findings_of(verdict.drifting, structural, verdict.underpowered)
            raise InitParityFailure(message + "\n  ".join(problems), findings)

    @parameterized.expand([(fw, mode) for fw in ("pt", "tf", "flax") for mode in TIE_MODES], name_func=_test_name)
    def test_init_parity_follows_scheme(self, framework: str, tie_mode: str) -> None:
        check = self._init_parity_check((framework,), tie_mode)
        verdict = check.sub_verdict(lambda label: not label.is_pair)
        self._init_parity_assert(check, verdict, [], f"{FRAMEWORK_TITLES[framework]} {tie_mode}, fresh weights")

    @parameterized.expand([(fw, mode) for fw in ("tf", "flax") for mode in TIE_MODES], name_func=_test_name)
    def test_init_parity_across_frameworks(self, framework: str, tie_mode: str) -> None:
        if "pt" not in installed():
            self.skipTest("PyTorch, the reference framework, is not installed")
        check = self._init_parity_check(("pt", framework), tie_mode)
        verdict = check.sub_verdict(lambda label: label.is_pair)
        title = FRAMEWORK_TITLES[framework]
        self._init_parity_assert(check, verdict, check.structural, f"{title} {tie_mode} against PyTorch")


__all__ = ["TIE_MODES", "InitParityTesterMixin", "counterpart_name", "with_tie_mode"]
