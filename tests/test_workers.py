"""The report's worker pool when a worker fails (``init-parity report --models all``): a model type whose worker
raised, or whose worker process died, is reported with the reason in every mode, and the other model types of the
run keep their results and their order."""

from __future__ import annotations

from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool

from init_parity.report import workers
from init_parity.report.collect import FamilyReport, ModeResult


class _Pool:
    """Stands for the process pool: each submission's outcome is set at once, by model type."""

    def __init__(self, outcomes: dict) -> None:
        self.outcomes = outcomes

    def submit(self, function, family, modes, seeds, first_loss) -> Future:
        assert function is workers._check_family
        future: Future = Future()
        outcome = self.outcomes[family.model_type]
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            for mode in modes:
                family.modes[mode] = ModeResult(mode)
            future.set_result((family, outcome))
        return future


def _family(model_type: str, frameworks=("pt",)) -> FamilyReport:
    return FamilyReport(model_type, frameworks, (), {fw: "Model" for fw in frameworks})


def test_a_failed_worker_is_reported_and_the_others_kept():
    families = [_family("t5"), _family("bart", ("pt", "tf")), _family("whisper")]
    pool = _Pool(
        {
            "t5": ["t5.png"],
            "bart": BrokenProcessPool("A process in the process pool was terminated abruptly"),
            "whisper": MemoryError("out of memory building the decoder"),
        }
    )
    steps: list[str] = []
    done, images = workers.collect_in_workers(pool, families, ("stock", "scheme"), None, step=steps.append, plots=True)
    assert [family.model_type for family in done] == ["t5", "bart", "whisper"]
    assert images == {"t5": ["t5.png"]}
    for mode in ("stock", "scheme"):
        assert done[0].modes[mode].error is None
        assert done[1].modes[mode].error.startswith("its worker process died (A process in the process pool")
        assert done[2].modes[mode].error == "MemoryError: out of memory building the decoder"
        assert not done[1].modes[mode].passed and not done[2].modes[mode].passed
    expected = [f"{name} {mode}" for name in ("t5", "bart", "whisper") for mode in ("stock", "scheme")]
    assert sorted(steps) == sorted(expected + [f"plot {name}" for name in ("t5", "bart", "whisper")])
