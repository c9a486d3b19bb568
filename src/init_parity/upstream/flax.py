"""Flax: the JAX initializers of a family's Flax modelling modules (T5, LongT5; mT5's inherits T5's).

Flax modules get ``kernel_init=`` / ``embedding_init=`` (and ``self.param(name, init, shape)``). JAX
initializers are functions of a key, so sharing one between layers is harmless: only values are
compared and rewritten, a std bound to a name (``kv_init_std``) once where it is written.
"""

from __future__ import annotations

import libcst as cst

from ..scheme import FamilyScheme
from .editing import dotted
from .initializers import Dialect, Parsed, argument, call_name
from .initializers import transform as transform_initializers
from .values import Finding

_CONSTANTS = {"ones": 1.0, "zeros": 0.0}
_NORMALS = {"normal": "normal", "truncated_normal": "truncated_normal"}


def parse(node: cst.BaseExpression) -> Parsed | None:
    name = dotted(node)
    if name is not None and ".initializers." in f".{name}" and name.rsplit(".", 1)[-1] in _CONSTANTS:
        return Parsed("constant", cst.Float(repr(_CONSTANTS[name.rsplit(".", 1)[-1]])))
    called = call_name(node)
    if called == "constant" and ".initializers." in f".{dotted(node.func)}":
        value = argument(node, "value", 0)
        return Parsed("constant", value.value if value else cst.Float("0.0"))
    if called in _NORMALS and ".initializers." in f".{dotted(node.func)}":
        std = argument(node, "stddev", 0)
        return Parsed(_NORMALS[called], std.value if std else cst.Float("0.01"), std)  # jax's default stddev
    return None


def build(kind: str, std: str) -> str | None:
    if kind in _NORMALS:  # jax's truncated_normal cuts at two standard deviations, as the scheme does
        return f"jax.nn.initializers.{kind}({std})"
    if kind == "constant":
        return f"jax.nn.initializers.constant({std})"
    return None


DIALECT = Dialect(
    framework="flax",
    init_keywords=("kernel_init", "embedding_init", "bias_init", "scale_init"),
    init_positions={"param": 1},
    parse=parse,
    build=build,
    default_config="self.config",
)


def transform(source: str, file: str, scheme: FamilyScheme) -> tuple[str, list[Finding]]:
    return transform_initializers(source, file, scheme, DIALECT)
