# Architecture Patterns Lab: `make lab` to explore, `make test` to check everything.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed-stamp
LAB_STAMP = $(VENV)/.lab-stamp
# uv installs the exact versions of uv.lock. An uv already on PATH is used; otherwise pip puts a
# pinned uv into .cache/uv (needs only python3 and pip).
UV_VERSION = 0.13.9
UV_BOOT    = $(CURDIR)/.cache/uv
ifeq ($(origin UV),undefined)
UV := $(or $(shell command -v uv 2>/dev/null),$(UV_BOOT)/bin/uv)
endif
# The extras installed for `make lab` (what the notebooks need), and for `make test` and the
# other developer targets (adds the test tools, the linter and the local Spark runtime for the
# lake's scale-out test: pyspark is large, so `make lab` does not fetch it).
LAB_EXTRAS = lab aws lake
EXTRAS     = $(LAB_EXTRAS) test dev spark site
# Keep Jupyter, IPython and matplotlib side files inside the checkout.
export JUPYTER_RUNTIME_DIR := $(CURDIR)/.cache/jupyter-runtime
export IPYTHONDIR          := $(CURDIR)/.cache/ipython
export MPLCONFIGDIR        := $(CURDIR)/.cache/matplotlib
# uv uses the Python given here (python3 by default), never one it would download, and installs
# into $(VENV).
export UV_PYTHON_DOWNLOADS     := never
export UV_PROJECT_ENVIRONMENT  := $(VENV)
export UV
unexport MPLBACKEND

.PHONY: lab test unit wheel-test binder-check notebooks-test nbcheck browser notebooks nav student \
        student-check autograde benchmarks lint lock templates facts site site-test clean

$(UV_BOOT)/bin/uv:
	PIP_ROOT_USER_ACTION=ignore $(PYTHON) -m pip install --quiet --disable-pip-version-check \
	    --target $(UV_BOOT) 'uv==$(UV_VERSION)'

# The lab, the tests and the linter at the versions of uv.lock (labkit itself editable).
# --locked fails when uv.lock no longer matches pyproject.toml: run `make lock` and commit both.
# --inexact: the lab's set and the developers' set install into one venv without removing each
# other's packages.
$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --inexact $(EXTRAS:%=--extra %) --python $(PYTHON)
	$(PY) -c "import matplotlib.pyplot"   # build the font cache before any notebook runs
	touch $(STAMP) $(LAB_STAMP)

$(LAB_STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --inexact $(LAB_EXTRAS:%=--extra %) --python $(PYTHON)
	$(PY) -c "import matplotlib.pyplot"
	touch $(LAB_STAMP)

# After changing dependencies in pyproject.toml: re-resolve uv.lock (locked versions are kept
# unless a range excludes them; `make lock UPGRADE=--upgrade` moves everything to the newest) and
# write the conda/Binder environments from it.
lock: | $(UV)
	$(UV) lock --python $(PYTHON) $(UPGRADE)
	$(UV) run --no-project --with packaging --python $(PYTHON) tools/lockfiles.py --write

lab: $(LAB_STAMP)
	$(VENV)/bin/jupyter lab notebooks/00-index.ipynb

test: $(STAMP)
	$(MAKE) --no-print-directory lint unit wheel-test binder-check nbcheck facts notebooks-test student-check autograde browser site-test

unit: $(STAMP)
	$(PY) -m pytest -q -n 2 --doctest-modules --import-mode=importlib -p no:cacheprovider tests labkit --ignore=tests/browser \
	    --ignore=tests/packaging --ignore=tests/classroom

# The built wheel, installed into a fresh venv outside the checkout, runs a notebook's imports and
# loads the package data (tests/packaging/test_wheel.py).
wheel-test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider tests/packaging/test_wheel.py

# Binder: the environment is solved from files that change only with the lock, never copies the
# repository first, and resolves on linux with the Python it names (tests/packaging/test_binder.py).
binder-check: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider tests/packaging/test_binder.py

nbcheck: $(STAMP)
	$(PY) tools/nbnav.py --check
	$(PY) tools/nbcheck.py
	$(PY) tools/export_figures.py --check
	$(PY) tools/diagrams.py --check

# nbval, one notebook per process and two processes at once (tools/nbval_parallel.py).
notebooks-test: $(STAMP)
	$(PY) tools/nbval_parallel.py notebooks

# AWS facts: every row of labkit/data/aws_facts*.csv sourced and checked within 12 months, and
# every AWS number the notebooks state found in those tables (tools/factcheck.py).
facts: $(STAMP)
	$(PY) tools/factcheck.py

browser: $(STAMP)
	$(PY) -m pytest -q tests/browser/test_lab.py

# The course website from the notebooks' stored outputs, into build/site (git-ignored).
site: $(STAMP)
	$(PY) tools/site.py

# The built website in Chromium: every page's figures and diagrams, no console errors, search.
site-test: site
	$(PY) -m pytest -q tests/browser/test_site.py

# Every pattern's deployment template through cfn-lint (SAM templates also after the SAM
# transform), the refusals, and the differential checks against moto; offline. Part of `unit`.
templates: $(STAMP)
	$(PY) -m pytest -q --doctest-modules --import-mode=importlib -p no:cacheprovider tests/deploy labkit/deploy

# Re-execute notebooks (all, or NB=notebooks/10-circuit-breaker.ipynb) and store clean outputs.
notebooks: $(STAMP)
	$(PY) tools/nbnav.py
	$(PY) tools/nbexec.py $(or $(NB),notebooks/[0-9]*.ipynb)

nav: $(STAMP)
	$(PY) tools/nbnav.py

# Classroom edition, checked in `make test`: the copies are current (`otter assign` on every
# notebook gives the same cells) and reproduce their stored outputs.
student-check: $(STAMP)
	$(PY) tools/make_student.py --check
	$(PY) tools/nbval_parallel.py student

# Classroom edition: student/ (otter assign on every notebook, solution cells removed, assets
# copied, Binder badges opening student/), executed; graders in build/autograder/ (git-ignored).
student: $(STAMP)
	$(PY) tools/make_student.py
	$(PY) tools/nbexec.py student/[0-9]*.ipynb

# Build the graders, run the classroom tests, then grade every blank student copy (must score 0)
# and every solved notebook (full marks) in fresh kernels and search the copies for the answers.
autograde: $(STAMP)
	$(PY) tools/make_student.py --graders
	$(PY) -m pytest -q -p no:cacheprovider tests/classroom
	$(PY) tools/autograde.py

# Benchmarks print ratio tables against peers; every script runs, and the target fails at the end
# if any budget was missed.
benchmarks: $(STAMP)
	status=0; for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || status=1; done; exit $$status

lint: $(STAMP)
	$(VENV)/bin/ruff check labkit tests tools benchmarks
	$(VENV)/bin/lint-imports --no-cache   # the layer contract in pyproject.toml

clean:
	rm -rf $(VENV) .cache .pytest_cache build dist
