"""Known upstream drifts the package does not fix yet: each becomes a strict xfail of the test it
breaks, with the role and the measured stds, so that a fix turns it into a failure (XPASS) that
forces this table to be updated.

Keys: (model_type, test) with test ``scheme-<fw>`` or ``across-<fw>``. Values: the reason.
Measured with ``init-parity report --models <type> --scheme`` on transformers 4.57.6.
"""

KNOWN_DRIFTS: dict[tuple[str, str], str] = {}
