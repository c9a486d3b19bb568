"""Structure: the deterministic tables a framework computes instead of storing. (Both tie modes, the
untied head of every family included, are tests of the mixin: ``test_init_parity.py``.)

* Flax's Marian and Pegasus compute their sinusoidal positions in ``setup`` rather than storing them
  (the suite does not count that as a structural difference): the table they compute must be the one
  PyTorch stores.
"""

from __future__ import annotations

import numpy as np
import pytest

from init_parity.suite.conformance import compare_tables
from init_parity.suite.frameworks import installed
from init_parity.suite.models.build import build_model, fresh_weights
from init_parity.suite.models.tiny_configs import tiny_config

COMPUTED_BY_FLAX = {
    "marian": ("MarianMTModel", "FlaxMarianMTModel"),
    "pegasus": ("PegasusForConditionalGeneration", "FlaxPegasusForConditionalGeneration"),
}


@pytest.mark.parametrize("model_type", sorted(COMPUTED_BY_FLAX))
def test_flax_computes_the_sinusoidal_positions_pytorch_stores(model_type):
    if not {"pt", "flax"} <= set(installed()):
        pytest.skip("needs PyTorch and Flax")
    pt_class, flax_class = COMPUTED_BY_FLAX[model_type]
    config = tiny_config(model_type)
    stored = fresh_weights("pt", pt_class, config)
    flax_model = build_model("flax", flax_class, config, seed=0)
    assert not any("embed_positions" in name for name in fresh_weights("flax", flax_class, config)), (
        "Flax now stores the positions: the suite compares them with the other frameworks' and this test can go"
    )
    bound = flax_model.module.bind({"params": flax_model.params})
    for stack in ("encoder", "decoder"):
        computed = np.asarray(getattr(bound.model, stack).embed_positions)  # set up by the Flax module
        result = compare_tables(stored[f"model.{stack}.embed_positions.weight"], computed)
        assert result.p_value == 1.0, f"{model_type} {stack}: {result.detail}"
