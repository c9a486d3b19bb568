"""transformers-init-parity: one initialisation scheme for encoder-decoder models in PyTorch,
TensorFlow and Flax.

Installed, it is active in every interpreter (``init_parity.pth`` runs :mod:`init_parity._autoload`);
``INIT_PARITY=0`` in the environment, :func:`disable` or ``with use_scheme(False):`` turn it off.
"""

from .compat import SUPPORTED_TRANSFORMERS
from .runtime.activation import disable, enable, is_enabled, use_scheme

__version__ = "0.1.0"

__all__ = ["SUPPORTED_TRANSFORMERS", "disable", "enable", "is_enabled", "use_scheme", "__version__"]
