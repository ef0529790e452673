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

.PHONY: lab test unit notebooks-test nbcheck browser site site-test notebooks nav student student-check benchmarks lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dev,site]'
	$(PY) -c "import matplotlib.pyplot"   # build the font cache before any notebook runs
	touch $(STAMP)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/00-index.ipynb

test: $(STAMP)
	$(MAKE) --no-print-directory unit nbcheck notebooks-test student-check browser

unit: $(STAMP)
	$(PY) -m pytest -q --doctest-modules --import-mode=importlib -p no:cacheprovider tests labkit --ignore=tests/browser

nbcheck: $(STAMP)
	$(PY) tools/nbnav.py --check
	$(PY) tools/nbcheck.py
	$(PY) tools/export_figures.py --check
	$(PY) tools/diagrams.py --check

notebooks-test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider -c tests/notebooks/pytest.ini notebooks

browser: $(STAMP)
	$(PY) -m pytest -q tests/browser/test_lab.py

# The course website from the notebooks' stored outputs, into build/site (git-ignored).
site: $(STAMP)
	$(PY) tools/site.py

# The built website in Chromium: every page's figures and diagrams, no console errors, search.
site-test: site
	$(PY) -m pytest -q tests/browser/test_site.py

# Re-execute notebooks (all, or NB=notebooks/10-circuit-breaker.ipynb) and store clean outputs.
notebooks: $(STAMP)
	$(PY) tools/nbnav.py
	$(PY) tools/nbexec.py $(or $(NB),notebooks/[0-9]*.ipynb)

nav: $(STAMP)
	$(PY) tools/nbnav.py

# Classroom edition: student/ copies with solution cells blanked, executed; checked in `make test`
# (sources current, and the copies reproduce their stored outputs with the solutions skipped).
student-check: $(STAMP)
	$(PY) tools/make_student.py --check
	$(PY) -m pytest -q -p no:cacheprovider -c tests/notebooks/pytest.ini student

# Classroom edition: student/ copies with solution cells blanked, executed.
student: $(STAMP)
	$(PY) tools/make_student.py
	$(PY) tools/nbexec.py student/[0-9]*.ipynb

# Benchmarks print ratio tables against peers; every script runs, and the target fails at the end
# if any budget was missed.
benchmarks: $(STAMP)
	status=0; for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || status=1; done; exit $$status

lint: $(STAMP)
	$(VENV)/bin/ruff check labkit tests tools benchmarks

clean:
	rm -rf $(VENV) .cache .pytest_cache
