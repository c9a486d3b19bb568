"""The three draw functions (PyTorch ``draw_`` / ``fill_``, TensorFlow ``draw``, Flax ``draw``) and the two
``zero_out``, called directly; and the seeded reproducibility the TensorFlow and Flax appliers promise (a
seed gives the same model; another seed other draws).

A draw is checked against its distribution by the suite's own one-sample tests
(:func:`init_parity.suite.stats.one_sample`) on a seeded sample of :data:`N` elements, each test at
:data:`init_parity.suite.stats.TEST_ALPHA` (a conforming draw fails one of the three tests with probability at most
3e-4; seeded, so the outcome is fixed).
"""

from __future__ import annotations

import numpy as np
import pytest

from init_parity.scheme.distributions import Constant, Deterministic, Normal, TruncatedNormal, Uniform
from init_parity.suite.frameworks import installed
from init_parity.suite.stats import TEST_ALPHA, one_sample

N = 20_000
DISTRIBUTIONS = {
    "normal": Normal(0.02, mean=0.5),
    "truncated_normal": TruncatedNormal(0.03),
    "uniform": Uniform(-0.1, 0.3),
    "constant": Constant(1.5),
}


def assert_follows(sample, distribution) -> None:
    results = one_sample(np.asarray(sample, dtype=np.float64).reshape(-1), distribution)
    failed = [result for result in results if not result.passes(TEST_ALPHA)]
    assert not failed, [f"{result.test}: {result.detail}, p = {result.p_value:.2g}" for result in failed]


needs_tf = pytest.mark.skipif("tf" not in installed(), reason="needs TensorFlow")
needs_flax = pytest.mark.skipif("flax" not in installed(), reason="needs Flax")


# ----------------------------------------------------------------------------------------------- PyTorch


@pytest.mark.parametrize("kind", sorted(DISTRIBUTIONS))
def test_torch_draw_follows_its_distribution(kind):
    import torch

    from init_parity.runtime.appliers.torch_applier import draw_

    torch.manual_seed(0)
    tensor = torch.empty(N)
    draw_(tensor, DISTRIBUTIONS[kind])
    assert_follows(tensor.numpy(), DISTRIBUTIONS[kind])


def test_torch_fill_zeroes_only_its_row():
    import torch

    from init_parity.runtime.appliers.torch_applier import fill_

    torch.manual_seed(0)
    tensor = torch.empty(50, 400)
    fill_(tensor, DISTRIBUTIONS["normal"], 7)
    assert torch.count_nonzero(tensor[7]) == 0
    rest = torch.cat([tensor[:7], tensor[8:]]).numpy()
    assert np.count_nonzero(rest) == rest.size
    assert_follows(rest, DISTRIBUTIONS["normal"])


def test_torch_draw_refuses_a_table():
    import torch

    from init_parity.runtime.appliers.torch_applier import draw_

    with pytest.raises(ValueError, match="cannot draw deterministic"):
        draw_(torch.empty(3), Deterministic("sinusoidal"))


# -------------------------------------------------------------------------------------------- TensorFlow


@needs_tf
@pytest.mark.parametrize("kind", sorted(DISTRIBUTIONS))
@pytest.mark.parametrize("seeded", [True, False], ids=["stateless", "stateful"])
def test_tf_draw_follows_its_distribution(kind, seeded):
    import tensorflow as tf

    from init_parity.runtime.appliers.tf_applier import draw

    tf.random.set_seed(0) if seeded else tf.random.set_seed(None)
    try:
        value = draw((N,), tf.float32, DISTRIBUTIONS[kind])
    finally:
        tf.random.set_seed(None)
    assert value.dtype == tf.float32
    assert_follows(value.numpy(), DISTRIBUTIONS[kind])


@needs_tf
def test_tf_draw_is_reproducible_by_seed():
    import tensorflow as tf

    from init_parity.runtime.appliers.tf_applier import draw

    def two_draws(seed):
        tf.random.set_seed(seed)
        return [draw((1000,), tf.float32, DISTRIBUTIONS["normal"]).numpy() for _ in range(2)]

    try:
        first, again, other = two_draws(0), two_draws(0), two_draws(1)
    finally:
        tf.random.set_seed(None)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], first[1]), "two variables of one build must be independent draws"
    assert not np.array_equal(first[0], other[0]), "another seed must draw other numbers"


@needs_tf
def test_tf_draw_refuses_what_it_cannot_draw():
    import tensorflow as tf

    from init_parity.runtime.appliers.tf_applier import draw

    with pytest.raises(ValueError, match="2 std only"):
        draw((4,), tf.float32, TruncatedNormal(0.02, bound=3.0))
    with pytest.raises(ValueError, match="cannot draw deterministic"):
        draw((4,), tf.float32, Deterministic("sinusoidal"))


@needs_tf
@pytest.mark.parametrize("axis", [0, -1])
def test_tf_zero_out(axis):
    import tensorflow as tf

    from init_parity.runtime.appliers.tf_applier import zero_out

    value = tf.reshape(tf.range(1.0, 1.0 + 5 * 6 * 3), (5, 6, 3)) if axis == 0 else tf.ones((4, 2, 6))
    assert zero_out(value, None, axis) is value
    expected = value.numpy().copy()
    if axis == 0:
        expected[2] = 0
    else:
        expected[..., 2] = 0
    np.testing.assert_array_equal(zero_out(value, 2, axis).numpy(), expected)


# -------------------------------------------------------------------------------------------------- Flax


@needs_flax
@pytest.mark.parametrize("kind", sorted(DISTRIBUTIONS))
def test_flax_draw_follows_its_distribution(kind):
    import jax
    import jax.numpy as jnp

    from init_parity.runtime.appliers.flax_applier import draw

    value = draw(jax.random.PRNGKey(0), (N,), jnp.float32, DISTRIBUTIONS[kind])
    assert value.dtype == jnp.float32
    assert_follows(np.asarray(value), DISTRIBUTIONS[kind])


@needs_flax
def test_flax_draw_refuses_a_table():
    import jax

    from init_parity.runtime.appliers.flax_applier import draw

    with pytest.raises(ValueError, match="cannot draw deterministic"):
        draw(jax.random.PRNGKey(0), (4,), None, Deterministic("sinusoidal"))


@needs_flax
@pytest.mark.parametrize("axis", [0, -1])
def test_flax_zero_out(axis):
    import jax.numpy as jnp

    from init_parity.runtime.appliers.flax_applier import zero_out

    value = jnp.arange(1.0, 1.0 + 5 * 6 * 3).reshape(5, 6, 3) if axis == 0 else jnp.ones((4, 2, 6))
    assert zero_out(value, None, axis) is value
    expected = np.asarray(value).copy()
    if axis == 0:
        expected[2] = 0
    else:
        expected[..., 2] = 0
    np.testing.assert_array_equal(np.asarray(zero_out(value, 2, axis)), expected)


# ------------------------------------------------------------------------------- models, seeded per framework


@pytest.mark.parametrize("framework", [pytest.param("tf", marks=needs_tf), pytest.param("flax", marks=needs_flax)])
def test_a_seed_gives_the_same_model(framework):
    """The appliers' promise: built twice with one seed, a model is the same bit for bit; with another
    seed every drawn tensor differs."""
    from init_parity.runtime.activation import use_scheme
    from init_parity.suite.models.build import fresh_weights
    from init_parity.suite.models.tiny_configs import tiny_config

    class_name = {"tf": "TFT5ForConditionalGeneration", "flax": "FlaxT5ForConditionalGeneration"}[framework]
    config = tiny_config("t5")
    with use_scheme(True):
        first, again, other = (fresh_weights(framework, class_name, config, seed) for seed in (0, 0, 1))
    assert sorted(first) == sorted(again) == sorted(other)
    for name, value in first.items():
        np.testing.assert_array_equal(value, again[name], err_msg=name)
        if np.ptp(value) > 0:  # drawn, not a constant
            assert not np.array_equal(value, other[name]), f"{name}: seed 1 drew what seed 0 drew"
