"""The command line's exit codes and its one user error, shared by ``cli`` and every subcommand
(which ``cli`` imports: they import this, never ``cli``)."""

EXIT_OK, EXIT_DRIFT, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(Exception):
    """A user error: printed as ``init-parity: error: ...`` with exit code 2."""
