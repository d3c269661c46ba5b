# Every target creates .venv with python3 -m venv on first use and installs the course
# package (editable) into it; nothing is installed outside .venv. The stamp file makes a
# second run skip the install unless pyproject.toml changed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.d/course.json
E2E_SCREENSHOTS ?= tests/e2e/screenshots
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
PYTEST_FLAGS ?=
GRADE_FLAGS ?=

.PHONY: lab test e2e release release-check grade bench clean

# The packages are installed by uv, itself installed into .venv by pip: uv fetches, unpacks and
# compiles in parallel, which makes the first install several times faster than pip's
# (benchmarks/README.md, fresh_clone). uv reads no pip configuration, so where it cannot reach an
# index pip does the install instead.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/python -m uv pip install --python $(BIN)/python --quiet --compile-bytecode -e '.[dev]' || \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# The course's JupyterLab settings, for this environment only (a user's own settings are left alone):
# the lab opens on the notebook, not under a "get notified about official Jupyter news?" toast, and
# nbgrader (tests only) adds no instructor panels. The same module serves a hub's image (postBuild).
# Its own target, so an existing .venv gets them too.
$(LAB_SETTINGS): $(STAMP) Makefile course_tools/lab_settings.py
	@$(BIN)/python -m course_tools.lab_settings $(VENV)

lab: $(STAMP) $(LAB_SETTINGS)
	$(BIN)/jupyter lab $(ROOT_FLAG) --notebook-dir=notebooks

# The browser tests (tests/e2e, marker `browser`) run here too when Chromium is installed, and skip
# with a line saying so when it is not. The tests run in PYTEST_WORKERS processes (pytest-xdist: three
# keep two cores busy while kernels, Lab and Chromium wait on each other; conftest.py marks what shares
# a kernel, a server or a grading run as one group, which `--dist loadgroup` keeps in one worker, the
# longest first: `--no-loadscope-reorder` keeps the order conftest.py gives); 0: all in one process.
# Before the tests: the formatter's check, the linter and the type checker (mypy, configured in
# pyproject.toml).
PYTEST_WORKERS ?= 3
test: $(STAMP) $(LAB_SETTINGS)
	$(BIN)/ruff check --quiet .
	$(BIN)/ruff format --check --quiet .
	$(BIN)/mypy
	MPLBACKEND=Agg E2E_SCREENSHOTS=$(E2E_SCREENSHOTS) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder --nbval-lax tests solutions $(PYTEST_FLAGS)

# Only the browser tests: every notebook run in JupyterLab in headless Chromium, with screenshots.
e2e: $(STAMP) $(LAB_SETTINGS)
	@MPLBACKEND=Agg E2E_SCREENSHOTS=$(E2E_SCREENSHOTS) $(BIN)/python -m pytest tests/e2e -m browser $(PYTEST_FLAGS); \
	  status=$$?; echo "make e2e: screenshots of the notebooks in $(abspath $(E2E_SCREENSHOTS))/"; exit $$status

release: $(STAMP)
	$(BIN)/course release

release-check: $(STAMP)
	$(BIN)/course release --check

# make grade SUBMISSIONS=handin/01 SOLUTION=solutions/01_backprop_circuits.ipynb OUT=grades/01 [GRADE_FLAGS="--jobs 4"]
grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" -a -n "$(SOLUTION)" -a -n "$(OUT)" || \
	  { echo "usage: make grade SUBMISSIONS=folder SOLUTION=solutions/NN_topic.ipynb OUT=folder [GRADE_FLAGS=...]"; exit 2; }
	$(BIN)/course grade $(SUBMISSIONS) --solution $(SOLUTION) --out $(OUT) $(GRADE_FLAGS)

# PyTorch, the yardstick of the training-step benchmark (the optional extra `bench`), is installed
# here only, never by make test; pip takes the CPU wheel of this version from the machine's disk.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

# make bench [BENCH="step grade"]: each benchmark (benchmarks/<name>.py) prints a table and writes it
# to benchmarks/results/<name>.md; fresh_clone runs make test in a new clone (minutes).
BENCH ?= step notebooks widgets grade shards fresh_clone
bench: $(BENCH_STAMP)
	@for b in $(BENCH); do echo "make bench: $$b"; $(BIN)/python -m benchmarks.$$b || exit 1; done

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
