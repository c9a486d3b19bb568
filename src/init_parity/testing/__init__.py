"""Test helpers for transformers-style test classes: :class:`InitParityTesterMixin`."""

from ..suite.mixin import InitParityTesterMixin

__all__ = ["InitParityTesterMixin"]
