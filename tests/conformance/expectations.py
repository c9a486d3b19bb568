"""Known upstream drifts the package does not fix yet: each becomes a strict xfail of the test it
breaks, with exactly the findings it makes and the measured facts in words, so that a fix (or any other
finding) turns it into a failure that forces this table to be updated.

Keys: (model_type, test) with test ``scheme-<fw>-<tied|untied>`` (fresh weights of one framework
against the scheme, for independence, tie structure and first loss, in that tie mode) or
``across-<fw>-<tied|untied>`` (that framework against PyTorch). Values: :class:`Known`, the findings the test
makes (:func:`init_parity.suite.failure.findings_of`: ``(label, test)`` of each rejected test,
``("structure", line)``, ``("underpowered", label)``) and the reason. The test xfails when its findings are exactly
these, and fails otherwise. Stds measured on the suite's tiny configs (d_model 64, init_std 0.02) with transformers
4.57.6: ``python -c "from init_parity.suite.building import check_family; ..."`` or
``init-parity report --models <type> --scheme``.
"""

from dataclasses import dataclass
from importlib.metadata import version

from init_parity.suite.failure import STRUCTURE, Finding
from init_parity.suite.labels import Label, Structural


@dataclass(frozen=True)
class Known:
    """A known defect: the findings it makes, exactly, and why."""

    findings: frozenset[Finding]
    reason: str

    def __add__(self, other: "Known") -> "Known":
        return Known(self.findings | other.findings, f"{self.reason} {other.reason}")


def known(reason: str, *findings: Finding) -> Known:
    return Known(frozenset(findings), reason)


def structure(name: str, present: str, missing: str) -> Finding:
    """A tensor ``name`` that framework ``present`` holds and ``missing`` does not."""
    return (STRUCTURE, Structural(name, (present,), (missing,)))


def rejected(role: str, scope: str, test: str) -> Finding:
    """A rejected ``test`` of ``role [scope]`` (``scope``: a framework, or a pair ``pt~tf``)."""
    return (Label(role, tuple(scope.split("~"))), test)


# With the scheme on, every BART-like and speech family follows its table in every framework; what remains
# are tensors that exist in one framework and not another: transformers' modelling code, not init
# (docs/init_scheme.md, "Known upstream defects").
_UPSTREAM = "upstream modelling defect, not init (docs/init_scheme.md, known upstream defects)"

_PIX2STRUCT_D_KV = (
    "text.attention.q / text.attention.o: Pix2StructTextAttention's init reads key_value_proj_dim = hidden_size "
    "when the module's config is Pix2StructTextConfig (as when Pix2StructTextModel initialises itself in its own "
    "post_init), so the query is drawn with std factor * (hidden * hidden)**-0.5 and the output with factor * "
    "(heads * hidden)**-0.5 instead of Mesh TensorFlow's d_kv: measured pt std 0.0157 against 0.0313 (query) and "
    "0.0622 against 0.125 (output) on the tiny config (hidden 64, d_kv 16, 4 heads); 3.5x too small at the default "
    "sizes. The package draws them with d_kv: its scheme covers the text model initialising under its own config "
    "(SubModel pix2struct_text_model)"
)

_S2T_SEPARATE_HEAD = (
    "structure: lm_head.weight exists in tf but not in pt. The config ties the output projection to "
    "model.decoder.embed_tokens.weight (PyTorch holds one tensor); TFSpeech2TextForConditionalGeneration keeps "
    "a separate Dense lm_head (512x64), equal to the embedding only after loading a PyTorch checkpoint "
    "(tf_to_pt_weight_rename copies it), so a fresh TF model is untied. Every role agrees otherwise: the scheme "
    f"draws both normal(0, init_std) (std pt 0.0200, tf embed_tokens 0.0201, tf lm_head 0.0200); {_UPSTREAM}"
)

# Upstream structure of the untied head: key (model_type, "untied-<fw>"), the finding of that framework
# against PyTorch with tie_word_embeddings=False. Measured with the scheme on, transformers 4.57.6.
_TF_IGNORES_UNTIED = (
    "structure: {head}.weight exists in pt but not in tf. With tie_word_embeddings=False PyTorch holds a "
    "separate lm_head (512x64, drawn normal(0, init_std), std 0.0200){flax}; {cls} has no lm_head"
    " and always multiplies by the shared embedding, so an untied checkpoint loses its head in "
    f"TensorFlow; {_UPSTREAM}"
)
_FLAX_HONOURS = " and so does Flax (std 0.0198)"


def _tf_ignores_untied(tf_class: str, flax: bool = True) -> Known:
    reason = _TF_IGNORES_UNTIED.format(head="lm_head", flax=_FLAX_HONOURS if flax else "", cls=tf_class)
    return known(reason, structure("lm_head.weight", "pt", "tf"))


KNOWN_STRUCTURAL_DEFECTS: dict[tuple[str, str], Known] = {
    ("bart", "untied-tf"): _tf_ignores_untied("TFBartForConditionalGeneration"),
    ("mbart", "untied-tf"): _tf_ignores_untied("TFMBartForConditionalGeneration"),
    ("pegasus", "untied-tf"): _tf_ignores_untied("TFPegasusForConditionalGeneration"),
    ("marian", "untied-tf"): _tf_ignores_untied("TFMarianMTModel"),
    ("blenderbot", "untied-tf"): _tf_ignores_untied("TFBlenderbotForConditionalGeneration"),
    ("blenderbot-small", "untied-tf"): _tf_ignores_untied("TFBlenderbotSmallForConditionalGeneration"),
    ("led", "untied-tf"): _tf_ignores_untied("TFLEDForConditionalGeneration", flax=False),
    ("whisper", "untied-tf"): known(
        "proj_out.weight exists in pt but not in tf. With tie_word_embeddings=False PyTorch holds a "
        "separate proj_out (512x64, normal(0, init_std), std 0.0199); TFWhisperForConditionalGeneration has none, "
        "always multiplies by decoder.embed_tokens and lists proj_out.weight in _keys_to_ignore_on_load_missing, "
        f"so an untied checkpoint loses its head in TensorFlow; {_UPSTREAM}",
        structure("proj_out.weight", "pt", "tf"),
    ),
    ("whisper", "untied-flax"): known(
        "Flax honours tie_word_embeddings=False but names the head lm_head where PyTorch says proj_out, and the "
        "PyTorch <-> Flax conversion does not map the two, so an untied checkpoint converts without its head. Both "
        f"are drawn by the scheme (std pt 0.0199, flax 0.0198); {_UPSTREAM}",
        structure("lm_head.weight", "flax", "pt"),
        structure("proj_out.weight", "pt", "flax"),
    ),
}


_TIE_FINDING = known(
    "The tie check says it from TensorFlow alone: tie_word_embeddings=False but no output head of its own.",
    rejected("ties", "tf", "tie"),
)

KNOWN_DRIFTS: dict[tuple[str, str], Known] = {
    ("speech_to_text", "across-tf-tied"): known(_S2T_SEPARATE_HEAD, structure("lm_head.weight", "tf", "pt")),
    ("speech_to_text", "scheme-tf-tied"): known(
        "tie_word_embeddings=True but lm_head.weight is a tensor of its own. " + _S2T_SEPARATE_HEAD,
        rejected("ties", "tf", "tie"),
    ),
    **{
        (model_type, f"across-{fw}-untied"): expected
        for (model_type, variant), expected in KNOWN_STRUCTURAL_DEFECTS.items()
        for fw in [variant.split("-", 1)[1]]
    },
    **{
        (model_type, "scheme-tf-untied"): Known(_TIE_FINDING.findings, f"{expected.reason} {_TIE_FINDING.reason}")
        for (model_type, variant), expected in KNOWN_STRUCTURAL_DEFECTS.items()
        if variant == "untied-tf"
    },
}


# transformers 5.x modelling code (PyTorch), measured on 5.23.0 with the suite's tiny configs: forward-pass and tie
# defects of the tied mode that no initialisation can mend, so the package leaves them.
_ON_5X: dict[tuple[str, str], Known] = {
    ("mt5", "scheme-pt-tied"): known(
        "MT5ForConditionalGeneration on 5.x no longer rescales the decoder output by d_model**-0.5 "
        "when the head is tied (4.57.6 did; 5.x T5 keeps it as scale_decoder_outputs), so the tied head, the N(0, 1) "
        "shared embedding, gives logits d_model**0.5 too large: mean first loss 37.68 (sd 1.7, 4 seeds) against the "
        f"scheme's bound 7.238 = ln(V) + 1 on the tiny config (d_model 64, V 1000); {_UPSTREAM}",
        rejected("first loss", "pt", "first_loss_bound"),
    ),
    ("pop2piano", "scheme-pt-tied"): known(
        "Pop2PianoForConditionalGeneration on 5.x declares only the embed_tokens ties, so with "
        "tie_word_embeddings=True its lm_head.weight is a tensor of its own (4.57.6 tied it to shared); the scheme "
        f"draws it like the embedding and the decoder output is rescaled, so only the tie is missing; {_UPSTREAM}",
        rejected("ties", "pt", "tie"),
    ),
}
# the same defects in the invariants test (tests/conformance/test_invariants.py, both tie modes): findings
# (tie mode, check), measured on 5.23.0 with the tiny configs (the T5 family's is untied: the defects are of the other)
KNOWN_INVARIANT_DEFECTS: dict[str, Known] = {}
if version("transformers").split(".", 1)[0] == "5":
    KNOWN_DRIFTS.update(_ON_5X)
    KNOWN_INVARIANT_DEFECTS.update(
        {
            "mt5": Known(frozenset({("tied", "first_loss_bound")}), _ON_5X[("mt5", "scheme-pt-tied")].reason),
            "pop2piano": Known(frozenset({("tied", "tie")}), _ON_5X[("pop2piano", "scheme-pt-tied")].reason),
        }
    )

# Defects of stock transformers that the package fixes (init-only): with the scheme off
# (``make test-init-parity-stock``), the test of fresh weights against the scheme xfails strictly on them.
# Key (model_type, "scheme-<fw>"); measured on the suite's tiny configs, transformers 4.57.6.
_DENOISING_PAD = (
    "denoising_class_embed: the padding row (padding_idx = num_labels) is not zero (|row|_1 = 8.2 on the tiny "
    "config, num_labels 16, d_model 64). The embedding is built with padding_idx=num_labels, and _init_weights then "
    "redraws all of it with xavier_uniform_, so the padding class keeps a random vector nn.Embedding never updates. "
    "The package zeroes the row after the draw"
)

_STOCK_ONLY: dict[tuple[str, str], Known] = {
    **{
        (model_type, "scheme-pt"): known(_DENOISING_PAD, rejected("denoising_class_embed", "pt", "padding_row"))
        for model_type in ("rt_detr", "rt_detr_v2", "d_fine")
    },
    ("pix2struct", "scheme-pt"): known(
        _PIX2STRUCT_D_KV,
        *(
            rejected(f"text.attention.{role}", "pt", test)
            for role in ("q", "o")
            for test in ("ks", "std", "tensor_std")
        ),
    ),
    ("fsmt", "scheme-pt-untied"): known(
        "embedding.tokens: the decoder's padding row is not zero (|row|_1 = 0.999, std of the rest 0.0200). "
        "FSMT ties output_projection.weight to decoder.embed_tokens.weight, and _init_weights redraws that tensor a "
        "second time as an nn.Linear, after the nn.Embedding branch zeroed the row: the pad token keeps a random, "
        "never-updated vector. The package zeroes it after the draw. (Tied, the decoder's embedding becomes the "
        "encoder's, whose row is zero: no drift in that mode)",
        rejected("embedding.tokens", "pt", "padding_row"),
    ),
    ("pegasus_x", "scheme-pt"): known(
        "embedding.tokens: the padding row of the shared embedding is not zero (|row|_1 = 1.011, std 0.0200). "
        "PegasusXPreTrainedModel._init_weights redraws nn.Embedding weights without the padding_idx branch every "
        "other BART copy has, though nn.Embedding(padding_idx) never updates that row. The package zeroes it",
        rejected("embedding.tokens", "pt", "padding_row"),
    ),
}

# with the scheme off, the upstream defects above are there too: key (model_type, "scheme-<fw>-<tie mode>")
STOCK_DRIFTS: dict[tuple[str, str], Known] = dict(KNOWN_DRIFTS)
for (_model_type, _test), _expected in _STOCK_ONLY.items():
    # a key that names its tie mode holds in that mode only
    _modes = (_test.rsplit("-", 1)[1],) if _test.endswith(("-tied", "-untied")) else ("tied", "untied")
    _test = _test.removesuffix("-tied").removesuffix("-untied")
    for _mode in _modes:
        _known = STOCK_DRIFTS.get((_model_type, f"{_test}-{_mode}"))
        STOCK_DRIFTS[(_model_type, f"{_test}-{_mode}")] = (
            _expected if _known in (None, _expected) else _known + _expected
        )
del _model_type, _test, _expected, _mode, _modes, _known

# Stock defects the invariants test catches (tests/conformance/test_invariants.py), fixed by the package: with the
# scheme off, the test of that model type xfails strictly on them.
STOCK_INVARIANT_DEFECTS: dict[str, str] = {
    **{
        model_type: (
            "first_loss_bound: the stock untied lm_head is drawn normal(0, initializer_factor) = N(0, 1), so the first "
            "loss on random tokens is about 24.5 against the bound ln(512) + 1 = 7.24 (tiny config, 2 seeds): "
            "the T5-family defect the package fixes (docs/init_scheme.md)"
        )
        for model_type in ("longt5", "switch_transformers")
    },
    **{model_type: f"padding_row: {_DENOISING_PAD}" for model_type in ("rt_detr", "rt_detr_v2", "d_fine")},
    "fsmt": "padding_row: model.decoder.embed_tokens row 1 is not zero (|row|_1 = 0.999): "
    + _STOCK_ONLY[("fsmt", "scheme-pt-untied")].reason,
    "pegasus_x": "padding_row: model.shared row 0 is not zero (|row|_1 = 1.011): "
    + _STOCK_ONLY[("pegasus_x", "scheme-pt")].reason,
}
