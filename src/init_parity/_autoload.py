"""Run at interpreter start-up by ``init_parity.pth``: installs the import hook, nothing more.

It imports neither transformers nor a framework; ``INIT_PARITY=0`` leaves the interpreter alone.
"""

from .runtime.activation import enable, env_allows

if env_allows():
    enable()
