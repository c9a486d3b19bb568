"""The family x framework summary of the conformance suite: roles checked, roles drifting, verdict."""

from __future__ import annotations

from dataclasses import dataclass

from ..scheme.docs import markdown_table as render_table
from .conformance import FamilyCheck
from .labels import Label


@dataclass(frozen=True)
class FrameworkSummary:
    model_type: str
    framework: str
    roles_checked: int
    drifting: tuple[str, ...]  # roles (and "independence", "structure") with a finding in this framework

    @property
    def verdict(self) -> str:
        return "drift" if self.drifting else "ok"


def _involves(label: Label, framework: str, frameworks: tuple[str, ...]) -> bool:
    """Whether a rejected test counts against ``framework``: a one-framework test against its own
    framework; a comparison with PyTorch, the reference, against the other framework; a comparison
    without PyTorch only when the family has no PyTorch model (both, then)."""
    members = label.frameworks
    if len(members) == 1:
        return framework in members
    if "pt" in members:
        return framework in members and framework != "pt"
    return "pt" not in frameworks and framework in members


def short_role(role: str) -> str:
    """``model.decoder.layers.*.encoder_attn.k_proj.weight`` -> ``encoder_attn.k_proj``; scheme roles as they are."""
    parts = [p for p in role.split(".") if p not in ("weight", "*")]
    return ".".join(parts[-2:]) if role.endswith("weight") or role.endswith("bias") else role


def summarise(check: FamilyCheck) -> list[FrameworkSummary]:
    """One row per framework of ``check``: a role drifts in a framework when one of its tests that
    involves the framework (alone or against another) is rejected; a structural difference counts
    against the frameworks that lack or add the tensor."""
    rows = []
    for framework in check.frameworks:
        checked = sum(1 for role in check.roles.values() if framework in role.samples)
        drifting = sorted(
            {
                short_role(label.role)
                for label in check.verdict.drifting
                if _involves(label, framework, check.frameworks)
            }
        )
        if any(finding.counts_against(framework) for finding in check.structural):
            drifting.append("structure")
        rows.append(FrameworkSummary(check.model_type, framework, checked, tuple(drifting)))
    return rows


def markdown_table(stock: list[FamilyCheck], scheme: list[FamilyCheck]) -> str:
    """Family x framework, stock against scheme."""
    header = (
        "family",
        "framework",
        "roles checked",
        "stock: drifting roles",
        "stock",
        "scheme: drifting roles",
        "scheme",
    )
    rows = [
        (
            before.model_type,
            before.framework,
            str(after.roles_checked),
            f"{len(before.drifting)}: {', '.join(before.drifting) or '-'}",
            before.verdict,
            f"{len(after.drifting)}: {', '.join(after.drifting) or '-'}",
            after.verdict,
        )
        for family_before, family_after in zip(stock, scheme)
        for before, after in zip(summarise(family_before), summarise(family_after))
    ]
    return render_table(header, rows, ["---", "---", "---:", "---", "---", "---", "---"])
