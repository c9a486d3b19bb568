"""The commit of the fix: its title (🚨 where fresh weights change) and message, and where patches go."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from ..scheme import FamilyScheme
from ..scheme.naming import FRAMEWORK_TITLES, MODULE_PREFIXES

if TYPE_CHECKING:
    from .generator import Plan

PATCH_DIR_NAME = "init-parity-patches"
ISSUE = "https://github.com/huggingface/transformers/issues/16749"


def commit_title(scheme: FamilyScheme, result: Plan) -> str:
    """Upstream marks a change of results (here: fresh weights) with 🚨 at the start of the title."""
    family = scheme.family.upper()
    if result.untied:
        return f"🚨 {family} family: untie the lm_head when the config says so, and draw it with std d_model**-0.5"
    return f"🚨 Initialize {family}-family weights alike in PyTorch, TensorFlow and Flax"


def commit_message(scheme: FamilyScheme, result: Plan) -> str:
    """A transformers-style message: the title, then what changed and why, per framework."""
    # the longest prefix first: modeling_tf_t5 also starts with modeling_; a modular file is PyTorch
    prefixes = sorted([*MODULE_PREFIXES.items(), ("pt", "modular_")], key=lambda item: -len(item[1]))
    by_framework: dict[str, set[str]] = {}
    split = False
    for finding in result.findings:
        if finding.status not in ("changed", "split") or not finding.role:
            continue
        name = Path(finding.file).name
        framework = next(FRAMEWORK_TITLES[fw] for fw, prefix in prefixes if name.startswith(prefix))
        by_framework.setdefault(framework, set()).add(finding.role)
        split = split or finding.status == "split"
    rules = {rule.role: rule for rule in scheme.rules}
    family = scheme.family.upper()

    def paragraph(text: str) -> list[str]:
        return [*textwrap.wrap(text, width=72, break_on_hyphens=False), ""]

    lines = [commit_title(scheme, result), ""]
    if result.untied:
        lines += paragraph(
            f"The {family}-family configs forced tie_word_embeddings=True, so a fresh model built from a T5 v1.1, "
            "mT5 or UMT5 config (tie_word_embeddings=False) used the N(0, 1) shared embedding as its lm_head and "
            "started pretraining at a loss far above ln(vocab_size). The configs now keep the value passed. "
            "PreTrainedModel gets one opt-in class attribute, _untie_output_embeddings_only (default False): a "
            "class that sets it (each family's PreTrainedModel) loses only the lm_head's entry of "
            "_tied_weights_keys when the flag is False, so the encoder and decoder embeddings stay tied to the "
            "shared one and tied and untied checkpoints load as before. mT5 scales a tied head's input by "
            "d_model**-0.5 again, as the rest of the family does."
        )
    lines += paragraph(
        f"Fresh weights of the {family} family ({', '.join(scheme.model_types)}) follow one scheme ({ISSUE}), "
        f"stated in the Initialization section of docs/source/en/model_doc/{scheme.family}.md; the std (or value) "
        "of each parameter role that changed:"
    )
    for framework in ("PyTorch", "TensorFlow", "Flax"):
        roles = sorted(by_framework.get(framework, ()))
        if roles:
            lines.append(f"- {framework}:")
            lines += [f"  - {role}: {rules[role].kind} {rules[role].param}" for role in roles if role in rules]
    lines.append("")
    if split:
        lines += paragraph(
            "An unseeded Keras initializer returns the same values at every call, so TensorFlow layers that "
            "shared one initializer object (wi_0 and wi_1 of the gated feed-forward) were identical; every layer "
            "now has its own."
        )
    if any(f.startswith("tests/") for f in result.changed):
        lines += paragraph(
            "test_init_scheme in ModelTesterMixin checks fresh weights of every model class against the scheme, "
            "with the tester's config and an untied variant of it: a Kolmogorov-Smirnov and a std test per drawn "
            "role, exact constants, a Bonferroni correction per model class (false-alarm rate 1e-3), and a first "
            "loss of LM heads at most ln(vocab_size) + 1; the helper is tests/init_scheme_utils.py."
        )
    lines.append("Generated with `init-parity upstream`.")
    return "\n".join(lines) + "\n"
