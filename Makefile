# transformers-init-parity: targets follow transformers' Makefile names.
PYTHON ?= python
PYTEST ?= $(PYTHON) -m pytest
WORKERS ?= 2
TESTS ?= tests
# the 5.x line runs in a venv of its own, beside the active one (transformers 4.57.6)
VENV_5X ?= .venv-5x
TRANSFORMERS_5X ?= 5.23.0
# DeepSpeed for the ZeRO-3 test (tests/test_materialised.py): its sdist builds against the installed torch,
# so it is installed without build isolation (an isolated build would fetch another torch)
DEEPSPEED ?= deepspeed==0.19.8
install_deepspeed = $(1) -c "import deepspeed" 2>/dev/null || DS_BUILD_OPS=0 $(1) -m pip install -q --no-build-isolation "$(DEEPSPEED)"
check_dirs := src tests benchmarks utils

.PHONY: install deepspeed test test-4 test-5 test-init-parity test-init-parity-stock style quality report docs benchmarks pretrain

install:
	$(PYTHON) -m pip install -e ".[testing]"

# every test (unit tests, the conformance suite, the CLI and the upstream generator) on transformers
# 4.57.6 in PyTorch, TensorFlow and Flax, then on transformers 5.x in PyTorch, where the tests of
# TensorFlow, Flax and 4.57-only behaviour skip, saying why. pytest's exit 5 (it collected no test,
# e.g. a TESTS selection with nothing in it) is not a failure.
test: test-4 test-5

deepspeed:
	$(call install_deepspeed,$(PYTHON))

test-4: deepspeed
	$(PYTEST) -n $(WORKERS) --dist loadscope $(TESTS) || [ $$? -eq 5 ]

test-5: $(VENV_5X)/installed
	$(VENV_5X)/bin/python -m pytest -n $(WORKERS) --dist loadscope $(TESTS) || [ $$? -eq 5 ]

$(VENV_5X)/installed: pyproject.toml
	python3 -m venv $(VENV_5X)
	$(VENV_5X)/bin/python -m pip install -q -e ".[testing-torch]" "transformers==$(TRANSFORMERS_5X)"
	$(call install_deepspeed,$(VENV_5X)/bin/python)
	touch $@

# the conformance suite alone, with our scheme applied
test-init-parity:
	$(PYTEST) -n $(WORKERS) --dist loadscope tests/conformance

# the conformance suite against stock transformers: shows every drift it catches (it fails)
test-init-parity-stock:
	INIT_PARITY=0 $(PYTEST) -n $(WORKERS) --dist loadscope tests/conformance --init-parity-stock

style:
	ruff check $(check_dirs) --fix
	ruff format $(check_dirs)
	$(PYTHON) utils/check_scheme_docs.py --fix_and_overwrite

quality:
	ruff check $(check_dirs)
	ruff format --check $(check_dirs)
	$(PYTHON) utils/check_scheme_docs.py
	$(PYTHON) utils/check_ci_command.py
	$(PYTHON) utils/check_layers.py

report:
	init-parity report --models t5 --both --format markdown,html,json --output docs/example

docs:
	$(PYTHON) utils/check_scheme_docs.py --fix_and_overwrite

benchmarks:
	cd benchmarks && $(PYTHON) initial_loss.py $(if $(wildcard $(VENV_5X)/bin/python),--with ../$(VENV_5X)/bin/python)
	cd benchmarks && $(PYTHON) init_time.py
	cd benchmarks && $(PYTHON) tf_draw_cost.py
	cd benchmarks && $(PYTHON) build_loop.py
	cd benchmarks && $(PYTHON) report_all.py
	cd benchmarks && $(PYTHON) power.py
	cd benchmarks && $(PYTHON) suite_time.py

# span-corruption pretraining, stock against scheme, on transformers 4.57.6 (PyTorch, TensorFlow, Flax)
# and, when $(VENV_5X) exists, 5.x (PyTorch); needs the [train] extra. Tens of minutes on 2 cores:
# results, figures and tables in docs/training/ (docs/training.md)
pretrain:
	cd benchmarks && $(PYTHON) pretrain.py run --output ../pretrain-results $(if $(wildcard $(VENV_5X)/bin/python),--with ../$(VENV_5X)/bin/python)
	mkdir -p docs/training && cp pretrain-results/pretrain.json docs/training/pretrain.json
	cd benchmarks && $(PYTHON) pretrain.py plot --results ../docs/training/pretrain.json --figures ../docs/training

# before (1c46c59) / after screenshots of the report and the terminal for --models t5,bart, into docs/example/screenshots
screenshots:
	PYTHON=$(PYTHON) docs/example/regenerate.sh
