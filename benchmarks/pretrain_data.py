"""The pretraining benchmark's data: the docstrings of the Python standard library, loaded through
``datasets``, as ByT5-style byte ids, cut into T5 span-corruption examples by numpy.

Ids follow ByT5: 0 pad, 1 eos, 2 unk, then the 256 bytes (byte b is id b + 3); the sentinels come
from the top of the vocabulary down (``<extra_id_0>`` is ``vocab - 1``), so no vocabulary file is
needed. Every example has the same raw length, hence the same number of noise tokens and spans, so
inputs and targets need no padding.
"""

from __future__ import annotations

import ast
import hashlib
import json
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PAD, EOS, UNK = 0, 1, 2
BYTE_OFFSET = 3
VOCAB = 384  # ByT5's: 3 special ids + 256 bytes + 125 sentinels
NOISE_DENSITY = 0.15
MEAN_SPAN = 3.0
# standard-library folders that are not the library's own text (tests, bundled tools, site-packages)
SKIPPED = {"site-packages", "test", "tests", "idlelib", "lib2to3", "turtledemo"}


def sentinel(index: int, vocab: int = VOCAB) -> int:
    return vocab - 1 - index


def stdlib_docstrings() -> list[str]:
    """The docstrings of the modules, classes and functions of this interpreter's standard library,
    in the order of the sorted file paths."""
    root = Path(sysconfig.get_paths()["stdlib"])
    texts = []
    for path in sorted(root.rglob("*.py")):
        if SKIPPED & set(path.relative_to(root).parts):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                text = ast.get_docstring(node, clean=True)
                if text:
                    texts.append(text)
    return texts


def write_corpus(folder: Path) -> Path:
    """``folder/stdlib_docstrings.jsonl`` (one ``{"text": ...}`` a line), written once per Python version."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"stdlib_docstrings_py{sys.version_info.major}.{sys.version_info.minor}.jsonl"
    if not path.exists():
        partial = path.with_suffix(".partial")
        with partial.open("w", encoding="utf-8") as handle:
            for text in stdlib_docstrings():
                handle.write(json.dumps({"text": text}) + "\n")
        partial.replace(path)
    return path


def load_texts(path: Path, cache: Path) -> list[str]:
    """The corpus through ``datasets`` (its json builder on the local file; nothing is downloaded)."""
    import datasets

    datasets.disable_progress_bars()
    dataset = datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(cache))
    return list(dataset["text"])


def byte_ids(texts: list[str]) -> np.ndarray:
    """One stream: each text's UTF-8 bytes as ids, followed by eos."""
    parts = []
    for text in texts:
        parts.append(np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int32) + BYTE_OFFSET)
        parts.append(np.array([EOS], dtype=np.int32))
    return np.concatenate(parts)


def lengths(raw: int, density: float = NOISE_DENSITY, mean_span: float = MEAN_SPAN) -> tuple[int, int, int, int]:
    """(noise tokens, spans, input length, target length) of a raw chunk of ``raw`` tokens, as T5
    counts them: one sentinel per span in both, and eos at the end of both."""
    noise = min(max(int(round(raw * density)), 1), raw - 1)
    spans = max(int(round(noise / mean_span)), 1)
    return noise, spans, raw - noise + spans + 1, noise + spans + 1


def raw_length_for(input_length: int) -> int:
    """The longest raw chunk whose corrupted input is at most ``input_length`` tokens (T5's
    ``compute_input_and_target_lengths``)."""
    raw = input_length
    while lengths(raw + 1)[2] <= input_length:
        raw += 1
    return raw


def _segments(total: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``total`` split into ``count`` positive parts, uniformly among such splits."""
    cuts = np.sort(rng.choice(np.arange(1, total), count - 1, replace=False)) if count > 1 else np.array([], int)
    return np.diff(np.concatenate([[0], cuts, [total]]))


def noise_mask(raw: int, rng: np.random.Generator) -> np.ndarray:
    """T5's ``random_spans_noise_mask``: spans of noise and of kept tokens alternate, kept first."""
    noise, spans, _, _ = lengths(raw)
    noise_lengths = _segments(noise, spans, rng)
    kept_lengths = _segments(raw - noise, spans, rng)
    mask = np.zeros(raw, dtype=bool)
    start = 0
    for kept, noisy in zip(kept_lengths, noise_lengths):
        start += kept
        mask[start : start + noisy] = True
        start += noisy
    return mask


def corrupt(tokens: np.ndarray, mask: np.ndarray, vocab: int = VOCAB) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, targets): each noise span becomes one sentinel in the input; the target lists each
    sentinel followed by the span it replaced. Both end with eos."""
    inputs, targets = [], []
    span = -1
    for index, (token, noisy) in enumerate(zip(tokens, mask)):
        starts = noisy and (index == 0 or not mask[index - 1])
        if starts:
            span += 1
            inputs.append(sentinel(span, vocab))
            targets.append(sentinel(span, vocab))
        (targets if noisy else inputs).append(int(token))
    return np.array([*inputs, EOS], dtype=np.int32), np.array([*targets, EOS], dtype=np.int32)


@dataclass(frozen=True)
class Batches:
    """``inputs`` (steps, batch, input length), ``targets`` (steps, batch, target length) and the
    decoder inputs: the targets shifted right behind the start id (pad, as in T5)."""

    inputs: np.ndarray
    targets: np.ndarray

    @property
    def decoder_inputs(self) -> np.ndarray:
        start = np.full_like(self.targets[..., :1], PAD)
        return np.concatenate([start, self.targets[..., :-1]], axis=-1)

    def __len__(self) -> int:
        return len(self.inputs)


def make_batches(stream: np.ndarray, steps: int, batch: int, input_length: int, seed: int) -> Batches:
    """``steps`` batches of span-corrupted chunks of ``stream``: chunks in an order shuffled by
    ``seed``, without repeating one while the stream lasts."""
    raw = raw_length_for(input_length)
    chunks = len(stream) // raw
    needed = steps * batch
    rng = np.random.default_rng(seed)
    order = np.concatenate([rng.permutation(chunks) for _ in range(-(-needed // chunks))])[:needed]
    inputs, targets = [], []
    for chunk in order:
        tokens = stream[chunk * raw : (chunk + 1) * raw]
        source, target = corrupt(tokens, noise_mask(raw, rng))
        inputs.append(source)
        targets.append(target)
    shape = (steps, batch)
    return Batches(np.stack(inputs).reshape(*shape, -1), np.stack(targets).reshape(*shape, -1))


def corpus_summary(path: Path, texts: list[str], stream: np.ndarray) -> dict:
    return {
        "name": f"docstrings of the Python {sys.version_info.major}.{sys.version_info.minor} standard library",
        "file": path.name,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "documents": len(texts),
        "tokens": int(len(stream)),
    }
