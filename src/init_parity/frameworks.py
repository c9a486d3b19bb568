"""Which frameworks are installed, found without importing them."""

from __future__ import annotations

import importlib.util

from .naming import FRAMEWORK_TITLES, FRAMEWORKS

_REQUIRED = {"pt": ("torch",), "tf": ("tensorflow", "tf_keras"), "flax": ("jax", "flax")}
_EXTRA = {"pt": "torch", "tf": "tf", "flax": "flax"}


class FrameworkMissing(RuntimeError):
    pass


def installed() -> tuple[str, ...]:
    return tuple(fw for fw in FRAMEWORKS if all(importlib.util.find_spec(p) for p in _REQUIRED[fw]))


def require(framework: str) -> None:
    if framework not in FRAMEWORKS:
        raise FrameworkMissing(f"unknown framework {framework!r}: choose from {', '.join(FRAMEWORKS)}")
    missing = [p for p in _REQUIRED[framework] if importlib.util.find_spec(p) is None]
    if missing:
        raise FrameworkMissing(
            f"{FRAMEWORK_TITLES[framework]} is not installed (missing {', '.join(missing)}): "
            f"pip install 'transformers-init-parity[{_EXTRA[framework]}]'. Installed: {', '.join(installed()) or 'none'}"
        )
