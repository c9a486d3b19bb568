"""TensorFlow: the Keras initializers of a family's TF modelling module (mT5's inherits T5's).

Keras layers get ``kernel_initializer=`` / ``embeddings_initializer=`` / ``initializer=``. Keras
initializers read ``(mean, stddev)`` positionally (``TruncatedNormal(x)`` is mean ``x``, std 0.05),
``get_initializer(r)`` is ``TruncatedNormal(stddev=r)``, and an unseeded initializer *object* returns
the same values at every call, so two layers sharing one object get identical weights: the generic
machinery of :mod:`.initializers` splits such bindings into one object per layer.
"""

from __future__ import annotations

import libcst as cst

from ..scheme import FamilyScheme
from .editing import drop_unused_imports, string_value
from .initializers import Dialect, Parsed, argument, call_name, is_zero
from .initializers import transform as transform_initializers
from .values import Finding

_CONSTANTS = {"ones": 1.0, "Ones": 1.0, "zeros": 0.0, "Zeros": 0.0}
_NORMALS = {"RandomNormal": "normal", "TruncatedNormal": "truncated_normal"}
# constructors the generated code may stop using; their import goes when nothing else uses them
_HELPERS = ("get_initializer",)


def parse(node: cst.BaseExpression) -> Parsed | None:
    text = string_value(node)
    if text in _CONSTANTS:
        return Parsed("constant", cst.Float(repr(_CONSTANTS[text])))
    name = call_name(node)
    if name in _CONSTANTS:
        return Parsed("constant", cst.Float(repr(_CONSTANTS[name])))
    if name == "Constant":
        value = argument(node, "value", 0)
        return Parsed("constant", value.value if value else cst.Float("0.0"))
    if name in _NORMALS:
        std = argument(node, "stddev", 1)
        return Parsed(_NORMALS[name], std.value if std else cst.Float("0.05"), std, is_zero(argument(node, "mean", 0)))
    if name == "get_initializer":
        std = argument(node, "initializer_range", 0)
        return Parsed("truncated_normal", std.value if std else cst.Float("0.02"), std)
    return None


def build(kind: str, std: str) -> str | None:
    if kind == "normal":
        return f"keras.initializers.RandomNormal(mean=0, stddev={std})"
    if kind == "truncated_normal":  # Keras cuts at two standard deviations, as the scheme does
        return f"keras.initializers.TruncatedNormal(mean=0, stddev={std})"
    if kind == "constant":
        return f"keras.initializers.Constant({std})"
    return None


DIALECT = Dialect(
    framework="tf",
    init_keywords=("kernel_initializer", "embeddings_initializer", "initializer"),
    init_positions={},
    parse=parse,
    build=build,
    one_object_per_layer=True,
    split_comment=(
        "One initializer object per layer: an unseeded Keras initializer draws the same values at every call",
    ),
    default_config="self.config",
)


def transform(source: str, file: str, scheme: FamilyScheme) -> tuple[str, list[Finding]]:
    result, findings = transform_initializers(source, file, scheme, DIALECT)
    if result != source:
        result = drop_unused_imports(result, _HELPERS)
    return result, findings
