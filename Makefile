# Every target sets itself up: a .venv is created when missing and the project (with its
# dev extras) is re-installed only when pyproject.toml changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SOAK ?= 20

.PHONY: run test lint bench soak screenshots build-deps package package-smoke clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# tools/check_qt_libs.sh names the missing system libraries (and the apt-get line) before Qt's own hint.
run: $(STAMP)
	@bash tools/check_qt_libs.sh $(BIN)/python
	$(BIN)/river-desktop $(ARGS)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check river_desktop tests benchmarks packaging tools
	$(BIN)/mypy river_desktop

# Benchmarks (7 minutes measured on a quiet 2-core machine): prints a table, each profile's populate time and the
# run's total, and writes benchmarks/results.json.
bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks.run

# Long stress runs, not part of `make test`: the multi-writer state machine with 20x the
# examples and 1,000 SIGKILLs of a saving process. Takes about 10 minutes on 2 cores (9m40s measured).
soak: $(STAMP)
	RIVER_SOAK=$(SOAK) QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q \
		tests/integration/test_stateful_writers.py tests/integration/test_multiprocess.py

# Regenerates docs/screenshots/*.png from the real app on Xvfb (Debian: apt-get install xvfb openbox).
screenshots: $(STAMP)
	$(BIN)/python tools/screenshots.py

# The system packages come first: on a fresh Debian machine even the .venv may need python3-venv.
build-deps:
	bash packaging/install_build_deps.sh

package: build-deps $(STAMP)
	bash packaging/build_linux.sh

package-smoke: package
	bash packaging/smoke.sh

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
