import os

# Models are built from configs; nothing may reach the hub. Quiet TensorFlow's C++ logging.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def pytest_addoption(parser):
    parser.addoption(
        "--init-parity-stock",
        action="store_true",
        default=False,
        help="run the conformance suite against stock transformers (our scheme off) to see what it catches",
    )


def pytest_configure(config):
    import init_parity

    if config.getoption("--init-parity-stock") or not init_parity.activation.env_allows():
        init_parity.disable()
        config.init_parity_stock = True
    else:
        init_parity.enable()
        config.init_parity_stock = False
