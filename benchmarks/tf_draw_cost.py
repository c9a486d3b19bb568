"""TensorFlow: what the scheme's distribution costs, apart from the machinery that applies it.

Where stock TensorFlow models initialise a Dense kernel with Keras' default GlorotUniform, the scheme
draws it from a normal, as PyTorch does. TensorFlow's normal kernel costs more per element than its
uniform one, so such a model builds slower with the scheme even when the machinery costs nothing.
This benchmark separates the two:

1. one kernel shape: the time of TensorFlow's normal op as the scheme calls it (stateless normal,
   scaled), of its uniform op, and of the Keras initialisers stock models use;
2. per model type (default config): alternating builds of stock, scheme, and the scheme with every
   normal draw replaced by a uniform one of the same std ("scheme, uniform draws": the same
   machinery, stock's cost of drawing; a diagnostic, not a mode of the package). Printed: median
   build times and their ratios to stock.

    python tf_draw_cost.py                                        # speech_to_text, blenderbot-small
    python tf_draw_cost.py --models t5,whisper --pairs 9
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import math
import statistics
import time

from common import MODES, mode_switch
from init_parity.suite.models.discovery import family
from init_time import config_for, human, quartiles, timed_pairs, warm_up

UNIFORM_DRAWS = "scheme, uniform draws"
KERNEL_SHAPE = (2048, 256)  # a default-size feed-forward kernel (Speech2Text's fc2)


@contextlib.contextmanager
def uniform_draws():
    """The scheme, with every normal draw replaced by a uniform one of the same mean and std."""
    from init_parity.runtime.appliers import tf_applier
    from init_parity.scheme import Uniform

    original = tf_applier.draw

    def draw(shape, dtype, distribution):
        if distribution.kind != "normal":
            return original(shape, dtype, distribution)
        half_width = math.sqrt(3.0) * distribution.std
        return original(shape, dtype, Uniform(distribution.mean - half_width, distribution.mean + half_width))

    tf_applier.draw = draw
    try:
        with mode_switch("scheme"):
            yield
    finally:
        tf_applier.draw = original


def kernel_times(shape: tuple[int, ...], repeats: int) -> dict[str, float]:
    """Median seconds per call of each way to fill one float32 tensor of ``shape``."""
    import tensorflow as tf
    import tf_keras

    from init_parity.runtime.appliers.tf_applier import draw
    from init_parity.scheme import Normal, Uniform

    tf.random.set_seed(0)
    ways = {
        "scheme: normal (stateless op, scaled)": lambda: draw(shape, tf.float32, Normal(0.02)),
        "scheme: uniform (stateless op, scaled)": lambda: draw(shape, tf.float32, Uniform(-0.0346, 0.0346)),
        "stock: Keras GlorotUniform": lambda: tf_keras.initializers.GlorotUniform()(shape),
        "stock: Keras TruncatedNormal": lambda: tf_keras.initializers.TruncatedNormal(stddev=0.02)(shape),
    }
    times: dict[str, list[float]] = {name: [] for name in ways}
    for way in ways.values():
        way()  # kernels and tracing, once
    for _ in range(repeats):
        for name, way in ways.items():
            start = time.perf_counter()
            way()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="speech_to_text,blenderbot-small")
    parser.add_argument("--pairs", type=int, default=7, help="runs of the three variants, order rotated")
    parser.add_argument("--repeats", type=int, default=50, help="calls per way in the kernel table")
    args = parser.parse_args()

    print(f"one {KERNEL_SHAPE[0]}x{KERNEL_SHAPE[1]} float32 tensor, median of {args.repeats} calls")
    for name, seconds in kernel_times(KERNEL_SHAPE, args.repeats).items():
        print(f"  {name:<40} {seconds * 1e3:6.2f} ms")
    print()
    variants = (*MODES, UNIFORM_DRAWS)
    switches = {**{mode: functools.partial(mode_switch, mode) for mode in MODES}, UNIFORM_DRAWS: uniform_draws}
    print(f"default configs, TensorFlow, median build over {args.pairs} rotated runs; ratio to stock (q1-q3)")
    print(f"{'model type':<20} " + " ".join(f"{name:>24}" for name in variants))
    for model_type in args.models.split(","):
        class_name = family(model_type).classes["tf"]
        warm_up("tf", class_name, model_type)
        configs = {
            name: config_for(model_type, "default", "scheme" if name != "stock" else "stock") for name in variants
        }
        seconds = timed_pairs("tf", class_name, configs, args.pairs, switches)
        stock = statistics.median(seconds["stock"])
        cells = [human(stock)]
        for name in variants[1:]:
            low, high = quartiles([other / base for base, other in zip(seconds["stock"], seconds[name])])
            cells.append(f"{statistics.median(seconds[name]) / stock:.3f} ({low:.2f}-{high:.2f})")
        print(f"{model_type:<20} " + " ".join(f"{cell:>24}" for cell in cells), flush=True)


if __name__ == "__main__":
    main()
