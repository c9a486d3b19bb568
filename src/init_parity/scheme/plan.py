"""Which rule, and so which distribution, each parameter of a model gets.

Resolving a name runs the family's regular expressions, and a distribution evaluates formulas of
the config. Both depend on the config only through the attributes the family's formulas read, so
they are resolved once per (family, those values) — the config's *signature* — and kept in a
:class:`Resolver`; a build after the first with the same signature resolves nothing again.
"""

from __future__ import annotations

from typing import Any

from . import Distribution, FamilyScheme, Rule, SubModel, formula, scheme_for_model_type, scheme_for_submodel

Resolved = tuple[Rule, Distribution]


def family_of(config: Any) -> FamilyScheme | None:
    return scheme_for_model_type(getattr(config, "model_type", ""))


_NAMES: dict[int, tuple[FamilyScheme, tuple[str, ...]]] = {}  # by id: hashing a scheme reads all its rules


def _formula_names(scheme: FamilyScheme) -> tuple[str, ...]:
    """Every config attribute a family's rules read (in ``param``, ``when`` and ``zero_row``)."""
    known = _NAMES.get(id(scheme))
    if known is not None and known[0] is scheme:
        return known[1]
    names: set[str] = set()
    for rule in scheme.rules:
        for text in (rule.param if rule.kind != "deterministic" else None, rule.when, rule.zero_row):
            if text:
                names |= formula.names(text)
    _NAMES[id(scheme)] = (scheme, tuple(sorted(names)))
    return _NAMES[id(scheme)][1]


_MISSING = object()


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


class SubConfigView:
    """A sub-model's config seen as its family's config (:class:`init_parity.scheme.SubModel`): the
    attribute that holds such a sub-config is the sub-config itself; every other name is the sub-config's."""

    def __init__(self, config: Any, submodel: SubModel) -> None:
        self._config = config
        self._attribute = submodel.config_attribute

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._config if name == self._attribute else getattr(self._config, name)


def config_signature(scheme: FamilyScheme, config: Any, scope: str = "") -> tuple[Any, ...]:
    """What of ``config`` the scheme depends on: its family, the sub-model's scope (empty for the whole
    model) and the values of the attributes the family's formulas read."""
    values = tuple(_hashable(getattr(config, name, _MISSING)) for name in _formula_names(scheme))
    return (scheme.family, scope, values)


class Resolver:
    """The rule and distribution of each parameter name, for configs of one signature, memoised.
    ``scope`` is put in front of a sub-model's parameter names (:class:`init_parity.scheme.SubModel`)."""

    def __init__(self, scheme: FamilyScheme, config: Any, signature: tuple[Any, ...], scope: str = "") -> None:
        self.scheme = scheme
        self.signature = signature
        self.scope = scope
        # a snapshot of the attributes the formulas read: a later change to ``config`` cannot leak in
        self.config = {name: getattr(config, name) for name in _formula_names(scheme) if hasattr(config, name)}
        self._resolved: dict[str, Resolved | None] = {}
        self._rows: dict[tuple[str, int], int | None] = {}

    def resolve(self, name: str) -> Resolved | None:
        """The rule and distribution of parameter ``name`` (a PyTorch name), or None if the scheme has
        no rule for it (the framework's stock initialisation then stands)."""
        try:
            return self._resolved[name]
        except KeyError:
            pass
        rule = self.scheme.rule_for(name, self.config)
        resolved = None if rule is None else (rule, rule.distribution(self.config))
        self._resolved[name] = resolved
        return resolved

    def drawn(self, name: str) -> Resolved | None:
        """Like :meth:`resolve`, but None also for deterministic tables (the model computes those)."""
        resolved = self.resolve(name)
        return resolved if resolved is not None and drawable(resolved[1]) else None

    def zero_row(self, rule: Rule, rows: int) -> int | None:
        """:func:`zero_row` for this signature, memoised."""
        key = (rule.role, rows)
        if key not in self._rows:
            self._rows[key] = zero_row(rule, self.config, rows)
        return self._rows[key]


_RESOLVERS: dict[tuple[Any, ...], Resolver] = {}


def resolver_for(config: Any) -> Resolver | None:
    """The shared :class:`Resolver` of ``config``'s signature, or None when it has no scheme (neither
    its family's nor as a sub-model's config)."""
    scheme, scope = family_of(config), ""
    if scheme is None:
        found = scheme_for_submodel(getattr(config, "model_type", ""))
        if found is None:
            return None
        scheme, submodel = found
        config, scope = SubConfigView(config, submodel), submodel.scope
    signature = config_signature(scheme, config, scope)
    resolver = _RESOLVERS.get(signature)
    if resolver is None:
        resolver = _RESOLVERS[signature] = Resolver(scheme, config, signature, scope)
    return resolver


def zero_row(rule: Rule, config: Any, rows: int) -> int | None:
    """The row (an index into ``rows`` rows of the PyTorch layout's first axis) that ``rule`` zeroes
    after the draw, or None: no ``zero_row``, a None value (no padding token), or an index outside
    the tensor (which PyTorch's ``nn.Embedding`` would have refused)."""
    index = rule.zero_row_index(config)
    if index is None or not -rows <= index < rows:
        return None
    return index % rows


def drawable(distribution: Distribution) -> bool:
    """Deterministic tables are computed by the model itself and left as they are."""
    return distribution.kind != "deterministic"
