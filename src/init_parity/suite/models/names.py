"""Model type names, checked without importing transformers or a framework (importing transformers
imports PyTorch: seconds), so that a misspelt ``--models`` is rejected before any work.

Two lists, both cheap:

* every model type of the installed transformers: the keys of its ``CONFIG_MAPPING_NAMES``, read
  from the syntax tree of the files that define it (``models/auto/configuration_auto.py``, and on
  the 5.x line ``models/auto/auto_mappings.py``), not executed;
* the encoder-decoder ones: the model types a scheme covers, and for each supported release those
  no scheme covers (:data:`WITHOUT_SCHEME`); ``tests/test_report_arguments.py`` checks the two
  against discovery, which builds every default config. On another release a model type of
  transformers without a scheme takes its default config to tell: transformers is imported for it
  (seconds), still before any output is written.
"""

from __future__ import annotations

import ast
import difflib
import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from ...compat import supported_release, transformers_version

_MAPPING = "CONFIG_MAPPING_NAMES"
_FILES = ("configuration_auto.py", "auto_mappings.py")  # where each line defines and extends it


WITHOUT_SCHEME = {
    "4.57.6": ("deta",),
    "5.23.x": (
        "canary", "canary_decoder", "cohere_asr", "deimv2", "dia_decoder", "moonshine_streaming", "musicgen",
        "musicgen_melody", "nemotron3_5_asr", "nemotron_asr_streaming", "parakeet_rnnt", "parakeet_tdt",
        "pp_doclayout_v2", "pp_doclayout_v3", "pp_doclayout_v4", "pp_formulanet", "pp_formulanet_text", "rag",
        "t5gemma2",
    ),
}  # fmt: skip
"""Per supported release (:data:`~init_parity.compat.SUPPORTED_TRANSFORMERS`), the encoder-decoder
model types that no scheme covers, as discovery finds them (their default config says
``is_encoder_decoder``): with the types a scheme covers, every encoder-decoder type of the release."""


class UnknownModelType(ValueError):
    """A name that is not a model type this report can check; the message names the fix."""


def _mapping_keys(tree: ast.Module) -> list[str]:
    """The string keys given to ``CONFIG_MAPPING_NAMES`` by the top-level statements of ``tree``:
    ``("t5", "T5Config")`` pairs of its ``OrderedDict([...])`` and the keys of dicts in
    ``CONFIG_MAPPING_NAMES.update({...})`` or ``OrderedDict(**{...}, **CONFIG_MAPPING_NAMES)``."""
    keys = []
    for statement in tree.body:
        targets = getattr(statement, "targets", None) or [getattr(statement, "target", None)]
        assigned = any(isinstance(t, ast.Name) and t.id == _MAPPING for t in targets)
        call = statement.value if isinstance(statement, ast.Expr) else None
        updated = (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "update"
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id == _MAPPING
        )
        if not (assigned or updated):
            continue
        for node in ast.walk(statement):
            if isinstance(node, ast.Tuple) and len(node.elts) == 2:
                key = node.elts[0]
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    keys.append(key.value)
            elif isinstance(node, ast.Dict):
                keys.extend(k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str))
    return keys


@functools.cache
def transformers_model_types() -> frozenset[str] | None:
    """Every model type of the installed transformers, without importing it; None when its files
    cannot be found or read (then names are left to discovery)."""
    spec = importlib.util.find_spec("transformers")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "models" / "auto"
    keys: list[str] = []
    for name in _FILES:
        path = folder / name
        if path.is_file():
            try:
                keys.extend(_mapping_keys(ast.parse(path.read_text(encoding="utf-8"))))
            except (OSError, SyntaxError, UnicodeDecodeError):
                return None
    return frozenset(keys) or None


def scheme_model_types() -> frozenset[str]:
    """The model types a scheme covers, on either transformers line."""
    from ...scheme import FAMILIES

    return frozenset(t for scheme in FAMILIES.values() for t in scheme.model_types)


@dataclass(frozen=True)
class Names:
    """What is known of model type names here without importing transformers."""

    version: str | None
    every: frozenset[str] | None  # every model type of transformers; None: unknown
    encoder_decoder: tuple[str, ...]  # certainly encoder-decoder: with a scheme, or in WITHOUT_SCHEME
    complete: bool  # whether ``encoder_decoder`` is every one (a release WITHOUT_SCHEME records)

    @classmethod
    def installed(cls) -> Names:
        version = transformers_version()
        every = transformers_model_types()
        release = supported_release(version)
        known = scheme_model_types() | set(WITHOUT_SCHEME.get(release, ()))
        found = tuple(sorted(known & every if every is not None else known))
        return cls(version, every, found, release in WITHOUT_SCHEME and every is not None)

    def _known(self) -> str:
        what = "Encoder-decoder model types" if self.complete else "Encoder-decoder model types with a scheme"
        return f"{what}: {', '.join(self.encoder_decoder)}"

    def _suggest(self, name: str, any_type: bool = True) -> str:
        """``did you mean t5? `` for the closest names: encoder-decoder ones first, then (``any_type``)
        any model type of transformers."""
        for pool in (self.encoder_decoder, sorted(self.every or ()) if any_type else ()):
            close = difflib.get_close_matches(name.lower(), [t.lower() for t in pool], n=3, cutoff=0.6)
            if close:
                spelled = {t.lower(): t for t in pool}
                return f"did you mean {' or '.join(spelled[c] for c in close)}? "
        return ""

    def certain(self, model_type: str) -> bool:
        """Whether ``model_type`` is known to be encoder-decoder here without building its config."""
        return model_type in self.encoder_decoder

    def resolve(self, name: str, composites: dict[str, str]) -> str:
        """``name`` as transformers spells the model type (case aside: ``T5`` -> ``t5``), or
        :class:`UnknownModelType` naming the likely fix and the encoder-decoder model types. On a
        release :data:`WITHOUT_SCHEME` does not record, a model type of transformers without a
        scheme is returned as it is: whether it is an encoder-decoder takes its default config
        (:meth:`certain` says False)."""
        spelled = {t.lower(): t for t in (self.every or ())} | {t.lower(): t for t in self.encoder_decoder}
        model_type = spelled.get(name.lower())
        if model_type in composites:
            raise UnknownModelType(f"{model_type!r} is a {composites[model_type]}; check the models it is made of")
        if model_type is not None:
            if self.complete and model_type not in self.encoder_decoder:
                raise UnknownModelType(self.not_encoder_decoder(model_type))
            return model_type
        if self.every is None:
            return name  # nothing to check against here: discovery will
        version = f"transformers {self.version}" if self.version else "the installed transformers"
        raise UnknownModelType(
            f"unknown model type {name!r} in --models ({version} has no such model type): "
            f"{self._suggest(name)}{self._known()}"
        )

    def not_encoder_decoder(self, model_type: str) -> str:
        """The message for a model type of transformers whose default config is not encoder-decoder."""
        version = f"transformers {self.version}" if self.version else "the installed transformers"
        return (
            f"{model_type!r} is a model type of {version}, but not an encoder-decoder one: "
            f"{self._suggest(model_type, any_type=False)}{self._known()}"
        )
