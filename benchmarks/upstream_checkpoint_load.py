"""Which checkpoint tensor each embedding of a loaded T5 holds, on the transformers that is importable.

    python benchmarks/upstream_checkpoint_load.py save DIR          # with transformers 4.57.6: writes the checkpoints
    INIT_PARITY=0 PYTHONPATH=TREE/src python benchmarks/upstream_checkpoint_load.py load DIR

``save`` writes three tiny T5 checkpoints (d_model 16, V 64) with 4.57.6, whose loading is the reference: ``v1_0``
(tied, only ``shared.weight``), ``v1_1`` (untied: ``shared.weight`` and ``lm_head.weight``) and ``no_shared`` (the
v1_1 tensors without ``shared.weight`` and ``encoder.embed_tokens.weight``, keeping ``decoder.embed_tokens.weight``,
the layout of google/madlad400-3b-mt in huggingface/transformers#48154). ``load`` loads each and prints, for
``shared``, the encoder and decoder ``embed_tokens`` and the ``lm_head``, the checkpoint key whose tensor it equals
(bitwise) and whether the lm_head is the shared embedding; then one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import torch

SMALL = {"d_model": 16, "d_ff": 32, "d_kv": 4, "num_heads": 4, "num_layers": 2, "vocab_size": 64}
EMBEDDINGS = ("shared.weight", "encoder.embed_tokens.weight", "decoder.embed_tokens.weight", "lm_head.weight")


def save(root: Path) -> None:
    from safetensors.torch import load_file, save_file
    from transformers import T5Config, T5ForConditionalGeneration

    for name, tied in (("v1_0", True), ("v1_1", False)):
        torch.manual_seed(0)
        model = T5ForConditionalGeneration(T5Config(**SMALL, tie_word_embeddings=tied))
        if not tied:  # distinct values everywhere, so that equality names one tensor
            with torch.no_grad():
                model.lm_head.weight.normal_(0, 0.1)
        model.save_pretrained(root / name)
    tensors = load_file(root / "v1_1" / "model.safetensors")
    tensors["decoder.embed_tokens.weight"] = tensors["shared.weight"].clone()
    for key in ("shared.weight", "encoder.embed_tokens.weight"):
        tensors.pop(key, None)
    (root / "no_shared").mkdir(exist_ok=True)
    save_file(tensors, root / "no_shared" / "model.safetensors", metadata={"format": "pt"})
    (root / "no_shared" / "config.json").write_text((root / "v1_1" / "config.json").read_text())
    for name in ("v1_0", "v1_1", "no_shared"):
        print(
            name,
            sorted(
                k
                for k in load_file(root / name / "model.safetensors")
                if "embed" in k or "head" in k or k == "shared.weight"
            ),
        )


def load(root: Path) -> None:
    os.environ.setdefault("INIT_PARITY", "0")
    import transformers
    from safetensors.torch import load_file
    from transformers import T5ForConditionalGeneration

    transformers.logging.set_verbosity_error()
    print(f"transformers {transformers.__version__} from {os.path.dirname(transformers.__file__)}")
    result = {}
    for name in ("v1_0", "v1_1", "no_shared"):
        stored = load_file(root / name / "model.safetensors")
        model = T5ForConditionalGeneration.from_pretrained(root / name)
        params = {key: model.get_parameter(key) for key in EMBEDDINGS}
        holds = {}
        for key, tensor in params.items():
            same = [k for k, v in stored.items() if v.shape == tensor.shape and torch.equal(v, tensor.detach())]
            holds[key] = same[0] if len(same) == 1 else ("|".join(same) if same else "none (freshly drawn)")
        tied = params["lm_head.weight"] is params["shared.weight"]
        print(f"{name}: config tie_word_embeddings={model.config.tie_word_embeddings}, lm_head is shared: {tied}")
        for key, source in holds.items():
            print(f"  {key:<30} = checkpoint {source}")
        result[name] = {"lm_head_is_shared": tied, **holds}
    print(json.dumps({"transformers": transformers.__version__, "loaded": result}))


if __name__ == "__main__":
    command, folder = sys.argv[1], Path(sys.argv[2])
    save(folder) if command == "save" else load(folder)
