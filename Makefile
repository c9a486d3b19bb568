# transformers-init-parity: targets follow transformers' Makefile names.
PYTHON ?= python
PYTEST ?= $(PYTHON) -m pytest
WORKERS ?= 2
check_dirs := src tests benchmarks utils

.PHONY: install test test-init-parity test-init-parity-stock style quality report docs benchmarks

install:
	$(PYTHON) -m pip install -e ".[testing]"

# every test: unit tests, the conformance suite, the CLI and the upstream generator
test:
	$(PYTEST) -n $(WORKERS) --dist loadgroup tests

# the conformance suite alone, with our scheme applied
test-init-parity:
	$(PYTEST) -n $(WORKERS) --dist loadgroup tests/conformance

# the conformance suite against stock transformers: shows every drift it catches (it fails)
test-init-parity-stock:
	INIT_PARITY=0 $(PYTEST) -n $(WORKERS) --dist loadgroup tests/conformance --init-parity-stock

style:
	ruff check $(check_dirs) --fix
	ruff format $(check_dirs)
	$(PYTHON) utils/check_scheme_docs.py --fix_and_overwrite

quality:
	ruff check $(check_dirs)
	ruff format --check $(check_dirs)
	$(PYTHON) utils/check_scheme_docs.py
	$(PYTHON) utils/check_ci_command.py

report:
	init-parity report --models t5 --both --format markdown,html,json --output docs/example

docs:
	$(PYTHON) utils/check_scheme_docs.py --fix_and_overwrite

benchmarks:
	cd benchmarks && $(PYTHON) initial_loss.py
	cd benchmarks && $(PYTHON) init_time.py
	cd benchmarks && $(PYTHON) power.py
	cd benchmarks && $(PYTHON) suite_time.py
