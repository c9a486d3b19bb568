"""What a group of tests is about, as data: a :class:`Label` names a role (or a pseudo-role:
``independence``, ``ties``, ``first loss``) and the frameworks its tests read, one (against the scheme)
or a pair (against each other). It prints as the suite always wrote it, ``role [tf]`` and
``role [pt~tf]``; nothing reads that text back."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    role: str
    frameworks: tuple[str, ...]

    @property
    def scope(self) -> str:
        """``tf``, or ``pt~tf`` for a pair."""
        return "~".join(self.frameworks)

    @property
    def is_pair(self) -> bool:
        return len(self.frameworks) > 1

    def __str__(self) -> str:
        return f"{self.role} [{self.scope}]"

    def __lt__(self, other: object) -> bool:  # sorted as the text it prints
        return str(self) < str(other)


@dataclass(frozen=True)
class Structural:
    """A tensor that exists in some frameworks and not in others."""

    name: str
    present: tuple[str, ...]
    missing: tuple[str, ...]

    def counts_against(self, framework: str) -> bool:
        """Whether the finding is ``framework``'s: it lacks the tensor, or it alone has it."""
        return framework in self.missing or self.present == (framework,)

    def __str__(self) -> str:
        return f"{self.name} exists in {'/'.join(self.present)} but not in {'/'.join(self.missing)}"
