"""The scheme on the paths big models are built by: on the meta device and materialised later
(``to_empty``, ``tie_weights``, ``init_weights``), under ``torch.device("meta")`` or accelerate's
``init_empty_weights()``; sharded by FSDP2's ``fully_shard`` over 2 CPU ranks; partitioned by DeepSpeed
ZeRO-3 over 2 CPU ranks.

Each path's full weights, over as many seeds as the tiny config's smallest role needs, pass the
conformance check (:func:`init_parity.suite.building.check_seeded_weights`: the suite's tests against the
scheme, at its family-wise false-alarm rate of 1e-3, seeded, so deterministic). Beside it, exact
properties: no tensor is left as ``to_empty`` gave it, a seed gives the same numbers on every path that
draws from the same state of the generator (meta, accelerate and FSDP2 alike; ZeRO-3 and an eager build
alike), and the ranks of a sharded build hold different numbers.
"""

from __future__ import annotations

import importlib.util
import unittest

import numpy as np
from parameterized import parameterized

from init_parity.scheme import scheme_for_model_type
from init_parity.suite.building import check_seeded_weights, seeds_needed
from init_parity.suite.first_loss import first_loss_of
from init_parity.suite.forward import first_loss_bound
from init_parity.suite.models.build import weights
from init_parity.suite.models.materialised import build_on, distributed_weights, holding
from init_parity.suite.models.tiny_configs import tiny_config
from tests.helpers import ON_TRANSFORMERS_5

# (model type, config changes, class): T5 v1.1-shaped (untied head) and v1.0-shaped (tied), BART (tied,
# padding rows)
MODELS = [
    ("t5_untied", "t5", {"tie_word_embeddings": False}, "T5ForConditionalGeneration"),
    ("t5_tied", "t5", {"tie_word_embeddings": True}, "T5ForConditionalGeneration"),
    ("bart", "bart", {}, "BartForConditionalGeneration"),
]


def _seeds(config, class_name: str, path: str) -> list[int]:
    first = weights("pt", build_on(path, class_name, config, 0))
    return list(range(seeds_needed(first, config)))


def _drawn_constants(config, name: str) -> bool:
    """Whether the scheme gives ``name`` a constant (every rank's part of it is the same, rightly)."""
    rule = scheme_for_model_type(config.model_type).rule_for(name, config)
    return rule is not None and rule.kind == "constant"


def assert_conforms(test: unittest.TestCase, config, by_seed: dict[int, dict[str, np.ndarray]]) -> None:
    for seed, found in by_seed.items():
        for name, value in found.items():
            test.assertTrue(np.isfinite(value).all(), f"{name} (seed {seed}) holds NaN or inf: not drawn")
    check = check_seeded_weights(config, by_seed)
    test.assertTrue(check.passed, "\n".join(check.describe_drifts()))


class MaterialisedTest(unittest.TestCase):
    @parameterized.expand(
        [(f"{path}_{label}", path, *rest) for path in ("meta", "accelerate") for label, *rest in MODELS]
    )
    def test_a_model_built_empty_is_drawn_by_the_scheme_when_materialised(
        self, _, path: str, model_type: str, changes: dict, class_name: str
    ) -> None:
        if path == "accelerate" and importlib.util.find_spec("accelerate") is None:
            self.fail("accelerate is not installed: pip install -e '.[testing]' installs it")
        config = tiny_config(model_type, **changes)
        seeds = _seeds(config, class_name, path)
        assert_conforms(
            self, config, {seed: weights("pt", build_on(path, class_name, config, seed)) for seed in seeds}
        )

    @parameterized.expand([(label, *rest) for label, *rest in MODELS])
    def test_meta_and_accelerate_draw_the_same_numbers(self, _, model_type: str, changes: dict, class_name: str):
        config = tiny_config(model_type, **changes)
        meta = weights("pt", build_on("meta", class_name, config, 3))
        empty = weights("pt", build_on("accelerate", class_name, config, 3))
        self.assertEqual(set(meta), set(empty))
        for name in meta:
            np.testing.assert_array_equal(meta[name], empty[name], err_msg=name)


class DistributedTest(unittest.TestCase):
    """One ``torch.distributed.run`` launch of 2 CPU ranks per model."""

    def check_distributed(self, path: str, label: str, reference_path: str | None) -> None:
        """``reference_path``: the single-process path that draws the same numbers (None: none does)."""
        _, model_type, changes, class_name = next(model for model in MODELS if model[0] == label)
        config = tiny_config(model_type, **changes)
        seeds = _seeds(config, class_name, reference_path or "meta")
        built = distributed_weights(path, class_name, config, seeds, nproc=2)
        assert_conforms(self, config, built.full)
        for seed in seeds:
            if reference_path is not None:  # the same numbers as one process drawing from the same states
                alone = weights("pt", build_on(reference_path, class_name, config, seed))
                self.assertEqual(set(alone), set(built.full[seed]))
                for name, value in alone.items():
                    np.testing.assert_array_equal(built.full[seed][name], value, err_msg=f"{name}, seed {seed}")
            # every rank drew its own part: no drawn tensor has the same numbers on both ranks
            first, second = built.shards[seed]
            for name in first:
                if _drawn_constants(config, name) or first[name].shape != second[name].shape:
                    continue
                self.assertFalse(
                    np.array_equal(first[name], second[name]), f"{name}: both ranks hold the same numbers"
                )
        # the gathered model computes what the scheme promises: its first loss within ln(V) + margin
        if class_name.endswith("ForConditionalGeneration"):
            model = holding(class_name, config, built.full[seeds[0]])
            self.assertLessEqual(first_loss_of("pt", model, config, seeds[0]), first_loss_bound(config))

    @parameterized.expand([("t5_untied",), ("bart",)])
    def test_fsdp2_shards_are_drawn_by_the_scheme(self, label: str) -> None:
        self.check_distributed("fsdp2", label, "meta")

    def test_zero3_partitions_are_drawn_by_the_scheme(self) -> None:
        if importlib.util.find_spec("deepspeed") is None:
            self.skipTest(
                "DeepSpeed is not installed (its sdist needs torch at build time): "
                "DS_BUILD_OPS=0 pip install --no-build-isolation deepspeed, or make test-zero3"
            )
        # transformers 4.x constructs the modules whole (their own draws move the generator on, as in an
        # eager build). 5.x constructs them drawing nothing, as on meta, but draws the encoder's and the
        # decoder's embedding apart before it ties them to `shared` (initialize_weights_zero3, then
        # tie_weights): no single-process path draws from the same states of the generator
        self.check_distributed("zero3", "t5_untied", reference_path=None if ON_TRANSFORMERS_5 else "eager")
