"""Turning the scheme on and off.

When on, an import hook watches for the modelling modules of the families with a scheme and
patches each as it is imported; modules already imported are patched at once. Nothing here
imports transformers or a framework until transformers itself is being imported.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import os
import sys
import threading
import warnings
from collections.abc import Iterator
from types import ModuleType
from typing import Any

ENV_SWITCH = "INIT_PARITY"
ON_VALUES = ("1", "true", "on", "yes")
OFF_VALUES = ("0", "false", "off", "no")

_lock = threading.RLock()
_enabled = False
_patched: dict[tuple[type, str], Any] = {}  # (class, method) -> upstream function
_version_warned = False


class UnknownSwitch(ValueError):
    """``INIT_PARITY`` holds a value that is neither an on nor an off spelling."""


def env_switch() -> bool:
    """``INIT_PARITY`` read: True when unset, empty or one of :data:`ON_VALUES`, False for one of
    :data:`OFF_VALUES` (any case, spaces ignored); any other value is :class:`UnknownSwitch`, whose
    message names the accepted spellings."""
    value = os.environ.get(ENV_SWITCH, "").strip().lower()
    if value in ("", *ON_VALUES):
        return True
    if value in OFF_VALUES:
        return False
    raise UnknownSwitch(
        f"{ENV_SWITCH}={os.environ[ENV_SWITCH]!r} is neither on ({', '.join(ON_VALUES)}) nor off "
        f"({', '.join(OFF_VALUES)}): set one of these, or unset it (on)"
    )


def env_allows() -> bool:
    """Whether ``INIT_PARITY`` lets the scheme on at start-up: :func:`env_switch`, where an unknown
    value leaves it on (the installed default) with a warning, since a ``.pth`` file must not stop
    the interpreter; ``init-parity`` rejects such a value outright (exit 2)."""
    try:
        return env_switch()
    except UnknownSwitch as error:
        warnings.warn(f"{error}; the scheme stays on", RuntimeWarning, stacklevel=2)
        return True


def is_enabled() -> bool:
    return _enabled


def enable() -> None:
    """Apply the scheme to the modules already imported and to those imported from now on."""
    global _enabled
    with _lock:
        _enabled = True
        _install_hook()
        if "transformers" not in sys.modules:
            return  # nothing to patch yet: the hook patches each target as it is imported
        for name in _target_names():
            module = sys.modules.get(name)
            if module is not None:
                _patch_module(module)


def disable() -> None:
    """Restore upstream behaviour exactly: every patched method gets its original back."""
    global _enabled
    with _lock:
        _enabled = False
        for (cls, method), original in _patched.items():
            setattr(cls, method, original)
        _patched.clear()


@contextlib.contextmanager
def use_scheme(active: bool = True) -> Iterator[None]:
    """``with init_parity.use_scheme(False): ...`` builds stock models inside the block."""
    before = _enabled
    (enable if active else disable)()
    try:
        yield
    finally:
        (enable if before else disable)()


def _target_names() -> dict[str, Any]:
    from .targets import module_names

    return module_names()


def supported_version() -> bool:
    """Whether the imported transformers is a release this package patches; warns once if not."""
    global _version_warned
    from .. import compat

    version = compat.imported_version()
    if compat.is_supported(version):
        return True
    if not _version_warned:
        _version_warned = True
        supported = " or ".join(compat.SUPPORTED_TRANSFORMERS)
        pins = " or ".join(f"'transformers=={v.replace('.x', '.*')}'" for v in compat.SUPPORTED_TRANSFORMERS)
        warnings.warn(
            f"init_parity supports transformers {supported}, but {version} is installed: nothing is patched. "
            f"Install a supported release (pip install {pins}), or set {ENV_SWITCH}=0 to silence this.",
            stacklevel=3,
        )
    return False


def _patch_module(module: ModuleType) -> None:
    from . import patcher

    if not _enabled or not supported_version():
        return
    target = _target_names().get(module.__name__)
    if target is None:
        return
    for cls, method, original in patcher.patch(module, target):
        _patched.setdefault((cls, method), original)


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        with _lock:
            _patch_module(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _PatchingFinder(importlib.abc.MetaPathFinder):
    """Finds target modules with the other finders, and patches them once executed."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith("transformers.models.") or not _enabled or fullname not in _target_names():
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _PatchingLoader(spec.loader)
        return spec


_FINDER = _PatchingFinder()


def _install_hook() -> None:
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
