"""``init-parity upstream``: the scheme written into a transformers checkout, as a maintainer would receive it.

One concern per module: :mod:`.checkout` (validation, the owned files, git), :mod:`.editing` (libcst
edits laid out by ruff), :mod:`.values` (what an initializer draws, against the scheme),
:mod:`.scopes` (what is known at each statement), :mod:`.pytorch`, :mod:`.initializers` with
:mod:`.tensorflow` and :mod:`.flax` (the three frameworks' modelling code), :mod:`.copies`
(``# Copied from`` consistency), :mod:`.helper` (the statistics helper for the checkout's tests),
:mod:`.tests` (the test in the common mixins), :mod:`.docs` (the model page), :mod:`.generator`
(the whole change, in memory) and :mod:`.command` (the subcommand).
"""
