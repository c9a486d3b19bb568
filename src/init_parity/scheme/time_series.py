"""The time-series encoder-decoders: Autoformer, Informer and the Time Series Transformer.

Each is BART's encoder-decoder over value embeddings (a bias-free Linear) with a sinusoidal position
table, and BART's ``_init_weights`` (normal(0, ``init_std``)); Informer calls the generic method, so
its std is ``initializer_range``. The sinusoidal tables are recomputed by ``_init_weights``.
"""

from __future__ import annotations

from .bart import sinusoidal_positions
from .generic import LINE_4, generic_rules
from .rules import FamilyScheme


def _time_series(model_type: str, model: str, std: str) -> FamilyScheme:
    pt = f"PyTorch {model}PreTrainedModel._init_weights (4.57.6)"
    return FamilyScheme(
        family=model_type,
        model_types=(model_type,),
        rules=(
            sinusoidal_positions(
                "marian_sinusoids(context_length + prediction_length, d_model)",
                f"PyTorch {model}SinusoidalPositionalEmbedding._init_weight (4.57.6), called by _init_weights: "
                "computed, not drawn",
            ),
            *generic_rules(std, pt),
        ),
        reference=pt,
        lines=LINE_4,
    )


AUTOFORMER_FAMILY = _time_series("autoformer", "Autoformer", "init_std")
INFORMER_FAMILY = _time_series("informer", "Informer", "initializer_range")
TIME_SERIES_TRANSFORMER_FAMILY = _time_series("time_series_transformer", "TimeSeriesTransformer", "init_std")

TIME_SERIES_FAMILIES = (AUTOFORMER_FAMILY, INFORMER_FAMILY, TIME_SERIES_TRANSFORMER_FAMILY)
