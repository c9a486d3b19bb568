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


class TensorName(str):
    """One tensor of one build in a check, as the text it always was (``name``; ``name@3``, the first
    class's seed 3; ``name@T5Model`` and ``name@T5Model:1``, another class's first and second seed),
    its parts kept as attributes, so that nothing reads them back out of the text. A plain string key
    is a tensor of the first class's first seed (:func:`tensor_name`)."""

    name: str  # the PyTorch name
    tag: str  # the class it came from; empty for the first class
    seed_index: int  # 0: the first seed
    build: str  # the text after ``@``: which build of the tensor this is

    def __new__(cls, name: str, tag: str = "", seed_index: int = 0, seed: int = 0) -> TensorName:
        build = (f"{tag}:{seed_index}" if seed_index else tag) if tag else (str(seed) if seed_index else "")
        self = super().__new__(cls, f"{name}@{build}" if build else name)
        self.name, self.tag, self.seed_index, self.build = name, tag, seed_index, build
        return self

    def __reduce__(self):  # pickled by its parts (report workers send checks back)
        seed = int(self.build) if self.seed_index and not self.tag else 0
        return (TensorName, (self.name, self.tag, self.seed_index, seed))

    @property
    def tensor(self) -> TensorName:
        """The tensor this is a draw of: its first seed's name (seeds pooled, classes apart)."""
        return TensorName(self.name, self.tag)

    def display(self) -> str:
        """``decoder.block.1.q.weight (T5Model)`` for another class's tensor; the name for the first's."""
        return f"{self.name} ({self.tag})" if self.tag else self.name


def tensor_name(key: str) -> TensorName:
    """``key`` as a :class:`TensorName`; a plain string is a name of the first class's first seed."""
    return key if isinstance(key, TensorName) else TensorName(key)
