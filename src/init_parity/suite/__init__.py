"""The conformance suite: fresh weights against the scheme and across frameworks, above the runtime.

:mod:`.models` (discovery, tiny configs, building, the meta / FSDP2 / ZeRO-3 paths),
:mod:`.conformance` (a model type's check: roles, pooling, the tests per role and the verdict),
:mod:`.stats` (the tests and their false-alarm rate), :mod:`.labels` (what a group of tests is
about, as data), :mod:`.ties` (tie structure), :mod:`.forward` (the first-loss bound and the forward
pass), :mod:`.first_loss`, :mod:`.invariants`, :mod:`.frameworks` (which are installed),
:mod:`.summary` (the family x framework table) and :mod:`.mixin` (``InitParityTesterMixin``, public
as :mod:`init_parity.testing`).
"""
