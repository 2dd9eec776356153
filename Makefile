# Two commands do everything on a fresh machine (see README.md):
#   make demo   set up, then run the main job
#   make test   set up, then run the linter, the type checker and every test (one process per
#               core, each test file in one of them)
#   make bench  set up (with PyTorch), then measure against micrograd and PyTorch
#   make notebooks  set up, then re-execute every notebook in place (outputs committed)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test bench notebooks setup system-deps clean

demo: setup
	$(BIN)/python -m nn.demo --out demo-output

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n auto --dist loadfile

# Writes its table into benchmarks/README.md; takes several minutes.
bench: setup
	$(BIN)/python -m pip install --quiet torch==2.13.0 || echo "warning: no PyTorch: its rows are skipped"
	$(BIN)/python -m benchmarks --write benchmarks/README.md

# Each notebook in a fresh kernel, saved in place without the cells' timestamps (`jupyter
# execute` records them whatever its flags say, and every run would then change every file).
notebooks: setup
	$(BIN)/python -c 'import sys, nbclient, nbformat; [nbformat.write(nbclient.execute( \
		nbformat.read(p, 4), cwd="notebooks", timeout=120, record_timing=False), p) \
		for p in sys.argv[1:]]' notebooks/*.ipynb

setup: system-deps $(VENV)/.installed

# Reinstalled whenever the package metadata changes. Silent when there is nothing to do, one
# line when there is (pip speaks only of warnings and errors), so that logs stay short.
$(VENV)/.installed: setup.cfg pyproject.toml
	@echo "Setting up $(VENV): valuegrad with its viz, plot, test and notebooks extras"
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[viz,plot,test,notebooks]"
	@touch $@

# System programs: Graphviz's `dot` renders the graph drawings, and Chromium runs the browser
# tests of the HTML explorer (Playwright drives the system's Chromium; it downloads none).
# Installed here when we are root on a Debian/Ubuntu machine; otherwise the command to run is
# printed and set-up carries on (the browser tests are then skipped, saying why).
system-deps:
	@missing=""; \
	command -v dot >/dev/null 2>&1 || missing="$$missing graphviz"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing$$missing with apt-get"; log=$$(mktemp); \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) \
			>"$$log" 2>&1 || { cat "$$log"; echo "warning: apt-get could not install$$missing"; }; \
		rm -f "$$log"; \
	else \
		echo "Not installed:$$missing. Drawings need graphviz, the browser tests chromium:"; \
		echo "  sudo apt-get install graphviz chromium | brew install graphviz chromium"; \
	fi

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .mypy_cache .hypothesis
