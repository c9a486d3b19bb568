"""The runtime: the only code that patches transformers, above :mod:`init_parity.scheme` and
:mod:`init_parity.compat`.

:mod:`.activation` (the switch and the import hook), :mod:`.targets` (which modules, classes and
methods each framework patches), :mod:`.patcher` (replacing them), :mod:`.untie` (the 5.x T5
configurations kept untied) and :mod:`.appliers` (one per framework, and ``materialise`` for models
built on the meta device).
"""
