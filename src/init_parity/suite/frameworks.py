"""Which frameworks are installed, found without importing them; on transformers 5.x, PyTorch alone
(its TensorFlow and Flax model classes were removed in 5.0)."""

from __future__ import annotations

import importlib.util

from ..compat import SUPPORTED_TRANSFORMERS, frameworks_of, transformers_version
from ..scheme.naming import FRAMEWORK_TITLES, FRAMEWORKS

_REQUIRED = {"pt": ("torch",), "tf": ("tensorflow", "tf_keras"), "flax": ("jax", "flax")}
_EXTRA = {"pt": "torch", "tf": "tf", "flax": "flax"}


class FrameworkMissing(RuntimeError):
    pass


def installed() -> tuple[str, ...]:
    """The frameworks whose packages are installed and whose model classes the installed transformers has."""
    available = frameworks_of(transformers_version())
    return tuple(
        fw for fw in FRAMEWORKS if fw in available and all(importlib.util.find_spec(p) for p in _REQUIRED[fw])
    )


def unavailable(framework: str) -> str | None:
    """Why ``framework`` cannot be used here, naming the fix; None when it can."""
    if framework not in FRAMEWORKS:
        return f"unknown framework {framework!r}: choose from {', '.join(FRAMEWORKS)}"
    version = transformers_version()
    if framework not in frameworks_of(version):
        return (
            f"transformers {version} has no {FRAMEWORK_TITLES[framework]} models (removed in 5.0): "
            f"pip install 'transformers-init-parity[{_EXTRA[framework]}]' installs transformers=={SUPPORTED_TRANSFORMERS[0]}"
        )
    missing = [p for p in _REQUIRED[framework] if importlib.util.find_spec(p) is None]
    if missing:
        return (
            f"{FRAMEWORK_TITLES[framework]} is not installed (missing {', '.join(missing)}): "
            f"pip install 'transformers-init-parity[{_EXTRA[framework]}]'. Installed: {', '.join(installed()) or 'none'}"
        )
    return None


def require(framework: str) -> None:
    reason = unavailable(framework)
    if reason is not None:
        raise FrameworkMissing(reason)
