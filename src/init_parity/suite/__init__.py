"""The conformance suite: fresh weights against the scheme and across frameworks, above the runtime.

:mod:`.models` (discovery, tiny configs, building, the meta / FSDP2 / ZeRO-3 paths), :mod:`.building`
(fresh builds per class, framework and seed, cached; the checks that build), :mod:`.conformance` (a
model type's check on given weights, pure analysis: roles, pooling, the tests per role, the verdict),
:mod:`.stats` (the tests and their false-alarm rate), :mod:`.labels` (what a group of tests is about,
as data), :mod:`.ties` (tie structure), :mod:`.forward` (the first-loss bound and the forward pass),
:mod:`.first_loss`, :mod:`.invariants`, :mod:`.frameworks` (which are installed), :mod:`.summary`
(the family x framework table) and :mod:`.mixin` (``InitParityTesterMixin``, public as
:mod:`init_parity.testing`).
"""
