"""The checkout's `tests/init_scheme_utils.py` on every T5-family class of the importable transformers, for a tree
without `tests/models/` (a release sdist): tiny configs like transformers' model testers (tied lm_head,
initializer_factor 0.002) and their untied variants, as `test_init_scheme` builds them.

    INIT_PARITY=0 python benchmarks/upstream_family_check.py /path/to/checkout

Prints one line per class and variant: the scheme failures (none expected) and, for LM heads, the untied check.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import transformers

TINY = {"vocab_size": 99, "d_model": 32, "d_ff": 37, "d_kv": 8, "num_heads": 4, "num_layers": 2}
FAMILIES = {  # model type -> (class prefix, extra config)
    "t5": ("T5", {"relative_attention_num_buckets": 8}),
    "mt5": ("MT5", {"relative_attention_num_buckets": 8}),
    "umt5": ("UMT5", {"relative_attention_num_buckets": 8}),
    "longt5": ("LongT5", {"relative_attention_num_buckets": 8, "local_radius": 1}),
    "switch_transformers": ("SwitchTransformers", {"num_experts": 4, "num_sparse_encoder_layers": 1}),
    "pop2piano": ("Pop2Piano", {"relative_attention_num_buckets": 8}),
    "udop": ("Udop", {"relative_attention_num_buckets": 8, "image_size": 32, "patch_size": 16}),
}
SUFFIXES = (
    "Model",
    "EncoderModel",
    "ForConditionalGeneration",
    "ForQuestionAnswering",
    "ForSequenceClassification",
    "ForTokenClassification",
)


def main() -> int:
    checkout = Path(sys.argv[1]).resolve()
    spec = importlib.util.spec_from_file_location("init_scheme_utils", checkout / "tests" / "init_scheme_utils.py")
    helper = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helper)
    print(f"transformers {transformers.__version__} from {Path(transformers.__file__).parent}")
    failed = 0
    for prefix, extra in FAMILIES.values():
        config_class = getattr(transformers, f"{prefix}Config")
        tied = config_class(**TINY, **extra, initializer_factor=0.002, decoder_start_token_id=0)
        untied = config_class.from_dict({**tied.to_dict(), "tie_word_embeddings": False})
        for suffix in SUFFIXES:
            model_class = getattr(transformers, f"{prefix}{suffix}", None)
            if model_class is None:
                continue
            for variant, config in (("tied", tied), ("untied", untied)):
                failures = helper.init_scheme_failures(model_class, config)
                model = model_class(config)
                head = model.get_output_embeddings()
                if variant == "untied" and head is not None and head.weight is model.get_input_embeddings().weight:
                    failures.append("tie_word_embeddings=False, but the lm_head is the input embedding")
                failed += bool(failures)
                status = "ok" if not failures else "FAILED: " + "; ".join(failures)
                print(f"{model_class.__name__:<40} {variant:<7} {status}")
    print(f"{failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
