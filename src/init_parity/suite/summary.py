"""The family x framework summary of the conformance suite: roles checked, roles drifting, verdict."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .conformance import FamilyCheck


@dataclass(frozen=True)
class FrameworkSummary:
    model_type: str
    framework: str
    roles_checked: int
    drifting: tuple[str, ...]  # roles (and "independence", "structure") with a finding in this framework

    @property
    def verdict(self) -> str:
        return "drift" if self.drifting else "ok"


def _involves(label: str, framework: str, frameworks: tuple[str, ...]) -> bool:
    """Whether a rejected test counts against ``framework``: a one-framework test against its own
    framework; a comparison with PyTorch, the reference, against the other framework; a comparison
    without PyTorch only when the family has no PyTorch model (both, then)."""
    bracket = re.search(r"\[([^\]]+)\]$", label)
    if not bracket:
        return False
    members = bracket.group(1).split("~")
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
                short_role(label.rsplit(" [", 1)[0])
                for label in check.verdict.drifting
                if _involves(label, framework, check.frameworks)
            }
        )
        if any(framework in line.split(" but ")[-1] or f"in {framework} " in line for line in check.structural):
            drifting.append("structure")
        rows.append(FrameworkSummary(check.model_type, framework, checked, tuple(drifting)))
    return rows


def markdown_table(stock: list[FamilyCheck], scheme: list[FamilyCheck]) -> str:
    """Family x framework, stock against scheme."""
    lines = [
        "| family | framework | roles checked | stock: drifting roles | stock | scheme: drifting roles | scheme |",
        "| --- | --- | ---: | --- | --- | --- | --- |",
    ]
    for before, after in zip(stock, scheme):
        for row_before, row_after in zip(summarise(before), summarise(after)):
            lines.append(
                f"| {row_before.model_type} | {row_before.framework} | {row_after.roles_checked} | "
                f"{len(row_before.drifting)}: {', '.join(row_before.drifting) or '-'} | {row_before.verdict} | "
                f"{len(row_after.drifting)}: {', '.join(row_after.drifting) or '-'} | {row_after.verdict} |"
            )
    return "\n".join(lines)
