"""Finding, configuring and building the encoder-decoder models of the installed transformers."""
