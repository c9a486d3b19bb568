"""Test helpers for transformers-style test classes: :class:`InitParityTesterMixin`."""

from .mixin import InitParityTesterMixin

__all__ = ["InitParityTesterMixin"]
