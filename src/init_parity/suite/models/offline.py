"""The Hub kept out of reach while default configs are built.

A few default configs of transformers fetch a backbone's config from the Hub when built (EdgeTAM's
vision config asks for ``timm/repvit_m1.dist_in1k``). Discovery builds every default config to read
``is_encoder_decoder``; on a machine without network each such fetch retries with backoff for
seconds before it fails. Inside :func:`hub_offline` it fails at once, as ``HF_HUB_OFFLINE=1`` makes it.
"""

from __future__ import annotations

import contextlib
import sys

# (module, attribute) pairs that hold the offline switch: huggingface_hub's constant (read by
# ``huggingface_hub.is_offline_mode`` on transformers 5.x) and the copy transformers 4.57 took at import.
_SWITCHES = (("huggingface_hub.constants", "HF_HUB_OFFLINE"), ("transformers.utils.hub", "_is_offline_mode"))


@contextlib.contextmanager
def hub_offline():
    saved = []
    for module_name, attribute in _SWITCHES:
        module = sys.modules.get(module_name)
        if module is not None and hasattr(module, attribute):
            saved.append((module, attribute, getattr(module, attribute)))
            setattr(module, attribute, True)
    try:
        yield
    finally:
        for module, attribute, value in saved:
            setattr(module, attribute, value)
