"""Finding, configuring and building the encoder-decoder models of the installed transformers:
:mod:`.discovery`, :mod:`.tiny_configs`, :mod:`.build`, :mod:`.materialised` (meta, FSDP2, ZeRO-3),
:mod:`.names` (model type names without importing transformers) and :mod:`.offline` (the Hub kept
out of reach)."""
