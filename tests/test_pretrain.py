"""The pretraining benchmark cannot rot: its span corruption is T5's, a few steps of its training
loop run in each framework and lower the loss on a fixed batch, and its cross-framework test
rejects what differs and keeps what does not. (The benchmark itself: benchmarks/pretrain.py;
results in docs/training.md.)"""

import json
import tempfile
import unittest
from pathlib import Path

import numpy as np
from benchmarks import pretrain_data as data
from benchmarks import pretrain_loop as loop
from parameterized import parameterized

from init_parity.report import training
from tests.helpers import skip_unless_available

TEXT = "Return the sum of a and b.\n\nBoth arguments must be numbers; the result is a number too. " * 8


class SpanCorruptionTest(unittest.TestCase):
    def test_inputs_and_targets_put_back_together_give_the_text(self):
        rng = np.random.default_rng(0)
        raw = data.raw_length_for(64)
        tokens = data.byte_ids([TEXT])[:raw]
        for _ in range(20):
            mask = data.noise_mask(raw, rng)
            inputs, targets = data.corrupt(tokens, mask)
            noise, spans, input_length, target_length = data.lengths(raw)
            self.assertEqual((mask.sum(), len(inputs), len(targets)), (noise, input_length, target_length))
            self.assertEqual(noise, round(raw * data.NOISE_DENSITY))
            self.assertEqual(spans, round(noise / data.MEAN_SPAN))
            self.assertLessEqual(input_length, 64)
            # each sentinel of the input is followed, in the target, by the span it replaced
            pieces = np.split(targets[:-1], np.flatnonzero(targets[:-1] >= data.sentinel(spans - 1))[1:])
            spans_of = {int(piece[0]): list(piece[1:]) for piece in pieces}
            self.assertEqual(sorted(spans_of), [data.sentinel(i) for i in reversed(range(spans))])
            rebuilt = [t for i in inputs[:-1] for t in (spans_of[int(i)] if i in spans_of else [int(i)])]
            self.assertEqual(rebuilt, tokens.tolist())
            self.assertEqual((inputs[-1], targets[-1]), (data.EOS, data.EOS))


class TrainingLoopTest(unittest.TestCase):
    @parameterized.expand([(fw,) for fw in ("pt", "tf", "flax")])
    def test_a_few_steps_lower_the_loss_on_a_fixed_batch(self, framework):
        skip_unless_available(self, framework)
        batches = data.make_batches(data.byte_ids([TEXT]), steps=1, batch=4, input_length=32, seed=0)
        steps = 8
        repeat = [np.repeat(a, steps, axis=0) for a in (batches.inputs, batches.decoder_inputs, batches.targets)]
        shape = loop.Shape(d_model=32, d_ff=64, heads=2, d_kv=16, layers=1)
        model = loop.build("t5-v1.1", framework, "scheme", shape, seed=0, vocab=data.VOCAB)
        result = loop.train(framework, model, *repeat, loop.Optimizer(peak=1e-2, warmup=2))
        loss = np.array(result["loss"])
        self.assertEqual((len(loss), len(result["grad_norm"])), (steps, steps))
        self.assertTrue(np.isfinite(loss).all() and np.isfinite(result["grad_norm"]).all(), result)
        # the first loss is near ln V (the scheme's head); the same batch 7 updates later is well below it
        self.assertLess(abs(loss[0] - np.log(data.VOCAB)), 1.0, loss)
        self.assertLess(loss[-1], loss[0] - 1.0, loss)


class FrameworkComparisonTest(unittest.TestCase):
    def test_exact_permutation_f_test(self):
        rng = np.random.default_rng(0)
        same = [rng.normal(3.0, 0.1, 3) for _ in range(3)]
        apart = [rng.normal(3.0 + shift, 0.1, 3) for shift in (0.0, 1.0, 2.0)]
        _, p_same = training.permutation_f(same)
        f_apart, p_apart = training.permutation_f(apart)
        # 1680 relabellings of 9 runs into 3 groups of 3; the observed grouping and its 3! renamings
        # are the most extreme when the groups lie apart
        self.assertAlmostEqual(p_apart, 6 / 1680)
        self.assertGreater(p_same, 0.05)
        self.assertGreater(f_apart, 100)

    def test_catch_up_step(self):
        steps = np.arange(100)
        scheme = training.Curves("4", "t5-v1.1", "pt", "scheme", (0,), np.full((1, 100), 3.0), np.ones((1, 100)))
        late = np.where(steps < 40, 10.0, 3.0)[None]
        stock = training.Curves("4", "t5-v1.1", "pt", "stock", (0,), late, np.ones((1, 100)))
        self.assertEqual(training.catch_up(stock, scheme), 40 + training.RUNNING - 1)
        never = training.Curves("4", "t5-v1.1", "pt", "stock", (0,), np.full((1, 100), 3.2), np.ones((1, 100)))
        self.assertIsNone(training.catch_up(never, scheme))

    def test_report_train_writes_the_tables_and_one_figure_per_release_line(self):
        from init_parity.report.command import load_training, write_training

        rng = np.random.default_rng(0)
        steps = np.arange(120)
        runs = [
            {"transformers": line, "model": "t5-v1.1", "framework": fw, "mode": mode, "seed": seed,
             "loss": list(3 + (30 if mode == "stock" else 3) * np.exp(-steps / 20) + rng.normal(0, 0.05, 120)),
             "grad_norm": list(np.ones(120))}
            for line, frameworks in (("4.57.6", ("pt", "tf", "flax")), ("5.23.0", ("pt",)))
            for fw in frameworks for mode in ("stock", "scheme") for seed in range(3)
        ]  # fmt: skip
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "pretrain.json"
            path.write_text(json.dumps({"runs": runs}))
            written = write_training(load_training(str(path)), Path(folder), plots=True)
            text = written.read_text()
            files = sorted(p.name for p in Path(folder).iterdir())
        self.assertEqual(files, ["pretrain-4.57.6.png", "pretrain-5.23.0.png", "pretrain.json", "training.md"])
        for heading in ("## Loss", "## Stock against scheme", "## Across frameworks"):
            self.assertIn(heading, text)
        self.assertIn("(pretrain-4.57.6.png)", text)
        # the frameworks of 4.57.6 are compared (one line per mode and window); 5.23.0 has one framework
        self.assertEqual(text.count("| 4.57.6 | t5-v1.1 | scheme |"), len(training.windows(120)))
        self.assertNotIn("| 5.23.0 | t5-v1.1 | scheme |", text)

    def test_report_train_rejects_a_file_without_runs_before_any_work(self):
        from init_parity.cli import EXIT_BAD_INPUT, main

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "results.json"
            path.write_text(json.dumps({"lines": {}}))
            self.assertEqual(main(["report", "--train", str(path), "--output", folder]), EXIT_BAD_INPUT)
            self.assertEqual(sorted(p.name for p in Path(folder).iterdir()), ["results.json"])
