"""The scheme features the BART-like and speech families need: padding rows (``Rule.zero_row``) and
deterministic tables, in the data form, in the appliers' row arithmetic and in the suite's pooling."""

from __future__ import annotations

import numpy as np
import pytest

from init_parity.scheme import FAMILIES, Rule, scheme_for_model_type
from init_parity.scheme.plan import zero_row
from init_parity.suite.conformance import TABLE_ULPS, compare_tables, split_zero_row
from tests.helpers import line_4_scheme

ISSUE_6 = ("bart", "mbart", "pegasus", "marian", "blenderbot", "blenderbot-small", "led", "speech_to_text", "whisper")


def test_every_family_of_the_issue_has_a_scheme_with_sources():
    for model_type in ISSUE_6:
        scheme = scheme_for_model_type(model_type)
        assert scheme is not None and scheme.family == model_type
        assert all(rule.source for rule in scheme.rules), model_type
        assert "embedding.tokens" in scheme.roles()
        assert scheme.rule_for("model.decoder.embed_tokens.weight", {}).zero_row == "pad_token_id"
    assert set(ISSUE_6) <= set(FAMILIES)


def test_zero_row_is_a_formula_of_the_config_for_drawn_kinds_only():
    rule = Rule("tokens", r"embed_tokens\.weight$", "normal", "init_std", zero_row="pad_token_id")
    assert rule.zero_row_index({"pad_token_id": 3}) == 3
    assert rule.zero_row_index({"pad_token_id": None}) is None
    assert zero_row(rule, {"pad_token_id": -1}, 10) == 9  # negative indices as nn.Embedding reads them
    assert zero_row(rule, {"pad_token_id": 10}, 10) is None  # outside the tensor: nothing to zero
    with pytest.raises(ValueError, match="drawn kinds"):
        Rule("norm", r"norm\.weight$", "constant", "1.0", zero_row="pad_token_id")


def test_the_padding_row_is_pooled_apart():
    rule = Rule("tokens", r"embed_tokens\.weight$", "normal", "init_std", zero_row="pad_token_id")
    array = np.arange(12, dtype=np.float32).reshape(4, 3)
    drawn, row = split_zero_row(rule, {"pad_token_id": 1}, array)
    np.testing.assert_array_equal(row, [3, 4, 5])
    np.testing.assert_array_equal(drawn, array[[0, 2, 3]])
    assert split_zero_row(rule, {"pad_token_id": None}, array)[1] is None
    assert split_zero_row(None, {}, array)[0] is array


def test_tables_are_equal_up_to_float32_rounding_of_their_angles():
    angles = np.arange(64, dtype=np.float32)[:, None] * np.geomspace(1, 1e-4, 32, dtype=np.float32)[None, :]
    table = np.concatenate([np.sin(angles), np.cos(angles)], axis=1).astype(np.float32)
    assert compare_tables(table, table.copy()).detail == "exactly equal"
    one_ulp = np.concatenate([np.sin(angles * (1 + 2**-23)), np.cos(angles)], axis=1).astype(np.float32)
    assert compare_tables(table, one_ulp).p_value == 1.0
    shifted = np.concatenate([np.sin(angles + 1e-2), np.cos(angles)], axis=1).astype(np.float32)
    result = compare_tables(table, shifted)
    assert result.p_value == 0.0 and result.statistic > TABLE_ULPS * 2.0**-23 * 64
    assert compare_tables(table, table[:-1]).p_value == 0.0


@line_4_scheme
def test_a_sub_model_under_its_own_config_is_drawn_by_its_family_rules():
    """Pix2StructTextModel initialises itself under Pix2StructTextConfig before the whole model exists:
    its names get the decoder prefix and the formulas read its config as the family's text_config."""
    from init_parity.scheme.plan import resolver_for
    from init_parity.suite.models.tiny_configs import tiny_config

    config = tiny_config("pix2struct")
    sub, whole = resolver_for(config.text_config), resolver_for(config)
    assert (sub.scope, whole.scope) == ("decoder.", "")
    for name in ("decoder.layer.0.self_attention.attention.query.weight", "decoder.lm_head.weight"):
        assert sub.resolve(name) == whole.resolve(name)
    text = config.text_config
    rule, distribution = sub.resolve("decoder.layer.0.encoder_decoder_attention.attention.output.weight")
    assert rule.role == "text.attention.o"
    assert distribution.std == pytest.approx(text.initializer_factor * (text.num_heads * text.d_kv) ** -0.5)
