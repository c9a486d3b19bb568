"""One applier per framework: each makes fresh models of a family follow its scheme.

The appliers share :func:`init_parity.scheme.plan.resolver_for` (name -> rule -> distribution,
resolved once per config signature) and
differ only in how a framework creates its variables and draws random numbers.
"""
