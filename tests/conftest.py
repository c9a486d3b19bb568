import os

# Models are built from configs; nothing may reach the hub. Quiet TensorFlow's C++ logging.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# One BLAS / OpenMP thread per process: pytest-xdist already runs a worker per core, and the small matrix
# products of the statistics (correlations of a few dozen tensors) are 30x slower when threads oversubscribe.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")


def pytest_addoption(parser):
    parser.addoption(
        "--init-parity-stock",
        action="store_true",
        default=False,
        help="run the conformance suite against stock transformers (our scheme off) to see what it catches",
    )


def pytest_configure(config):
    import init_parity

    if config.getoption("--init-parity-stock") or not init_parity.runtime.activation.env_allows():
        init_parity.disable()
        config.init_parity_stock = True
    else:
        init_parity.enable()
        config.init_parity_stock = False


# Test modules written against the transformers 4.57.6 install: on the 5.x line every test in them
# skips with the reason given here (single tests use tests.helpers.needs_transformers_4).
FOUR_57_MODULES = {
    "test_upstream.py": (
        "needs transformers 4.57.6: the end-to-end test lays out the installed transformers as a checkout "
        "and asserts the 4.57 target's results (stock copy drifts, `.data.normal_` lines); the 5.x target "
        "is checked on a 5.23.0 release tree (benchmarks/upstream_family_check.py)"
    ),
}


def pytest_collection_modifyitems(config, items):
    import pytest

    from tests.helpers import ON_TRANSFORMERS_5

    if not ON_TRANSFORMERS_5:
        return
    for item in items:
        reason = FOUR_57_MODULES.get(item.path.name)
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=reason))
