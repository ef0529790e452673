# Architecture Patterns Lab: `make lab` to explore, `make test` to check everything.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed-stamp
# Keep Jupyter, IPython and matplotlib side files inside the checkout.
export JUPYTER_RUNTIME_DIR := $(CURDIR)/.cache/jupyter-runtime
export IPYTHONDIR          := $(CURDIR)/.cache/ipython
export MPLCONFIGDIR        := $(CURDIR)/.cache/matplotlib
unexport MPLBACKEND

.PHONY: lab test unit notebooks-test nbcheck browser notebooks nav student student-check autograde benchmarks lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dev]'
	$(PY) -c "import matplotlib.pyplot"   # build the font cache before any notebook runs
	touch $(STAMP)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/00-index.ipynb

test: $(STAMP)
	$(MAKE) --no-print-directory unit nbcheck notebooks-test student-check autograde browser

unit: $(STAMP)
	$(PY) -m pytest -q --doctest-modules --import-mode=importlib -p no:cacheprovider tests labkit --ignore=tests/browser --ignore=tests/classroom

nbcheck: $(STAMP)
	$(PY) tools/nbnav.py --check
	$(PY) tools/nbcheck.py
	$(PY) tools/export_figures.py --check

notebooks-test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider -c tests/notebooks/pytest.ini notebooks

browser: $(STAMP)
	$(PY) -m pytest -q tests/browser

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
	$(PY) -m pytest -q -p no:cacheprovider -c tests/notebooks/pytest.ini student

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

clean:
	rm -rf $(VENV) .cache .pytest_cache
