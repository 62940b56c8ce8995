# Two commands matter:  `make book`  (set up + build the book)  and  `make test`  (set up + check everything).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYTHONHASHSEED := 0
export OMP_NUM_THREADS ?= 2

.PHONY: venv book serve test lint unit grading nbval portability build-book execute stamp clean assets slides slides-pdf browser colab student-release

$(STAMP): pyproject.toml constraints.txt
	@echo "== setting up $(VENV) (virtual environment, pinned by constraints.txt)"
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=24"
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[kernels,test,book]"
	touch $(STAMP)

venv: $(STAMP)

## Browser assets served from the site (no CDN): reveal.js, MathJax, the widgets' HTML manager,
## RequireJS, pinned by package-lock.json; tools/offline_assets.py copies them into the site.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	@echo "== browser assets: npm ci (pinned by package-lock.json)"
	npm ci --ignore-scripts --no-audit --no-fund
	touch $(NODE_STAMP)

assets: $(NODE_STAMP)

## Chromium for the browser tests (Debian's; as root in CI, with sudo elsewhere).
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
$(CHROMIUM):
	@echo "== installing chromium (apt-get)"
	$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium

## Bubblewrap, the sandbox attn-grade runs each submission in (Debian's; as root in CI, with sudo elsewhere).
BWRAP ?= /usr/bin/bwrap
$(BWRAP):
	@echo "== installing bubblewrap (apt-get)"
	$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq bubblewrap

## A CJK font, so screenshots show the Chinese terms instead of empty boxes.
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
$(CJK_FONT):
	@echo "== installing fonts-noto-cjk (apt-get)"
	$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq fonts-noto-cjk

## Build the HTML book from the stored notebook outputs (nothing is re-executed).
book: $(STAMP) $(NODE_STAMP)
	$(BIN)/jupyter-book build . -n --keep-going
	$(BIN)/python slides/build.py
	@echo; echo "The book is at: file://$(CURDIR)/_build/html/index.html"; echo "Serve it with: make serve"

serve: book
	@echo "Serving on http://localhost:8000 (Ctrl-C to stop)"
	$(BIN)/python -m http.server 8000 --bind 127.0.0.1 -d _build/html

## Every check, in order; stops at the first broken stage.
test: $(STAMP)
	@$(MAKE) --no-print-directory lint   || { echo "FAILED at stage: lint (ruff)"; exit 1; }
	@$(MAKE) --no-print-directory unit   || { echo "FAILED at stage: unit tests (pytest tests/)"; exit 1; }
	@$(MAKE) --no-print-directory grading || { echo "FAILED at stage: grading (attn-grade --selfcheck exercises/)"; exit 1; }
	@$(MAKE) --no-print-directory nbval  || { echo "FAILED at stage: notebooks (run as in Colab, checked by tools/nbcheck.py)"; exit 1; }
	@$(MAKE) --no-print-directory build-book || { echo "FAILED at stage: book build (jupyter-book -W)"; exit 1; }
	@$(MAKE) --no-print-directory slides || { echo "FAILED at stage: lecture decks (slides/build.py)"; exit 1; }
	@$(MAKE) --no-print-directory browser || { echo "FAILED at stage: browser tests (tests/test_browser.py)"; exit 1; }
	@echo "ALL STAGES PASSED"

lint:
	@echo "== stage: lint"
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: $(BWRAP)
	@echo "== stage: unit tests"
	$(BIN)/python -m pytest tests -q -p no:cacheprovider -m "not browser"

## The grader end to end (sandboxed): every reference solution full marks, every untouched stub 0.
grading: $(STAMP) $(BWRAP)
	@echo "== stage: grading (attn-grade --selfcheck exercises/)"
	$(BIN)/attn-grade --selfcheck exercises/

## One execution per notebook and numeric configuration proves both: stored outputs hold (exact
## cells digit for digit, measured cells within their declared tolerance: tools/nbcheck.py) and the
## notebook runs as Colab runs it (alone in an empty folder, clean .venv-colab with only the attnlib
## wheel and its dependencies, no repository on the path, no network). `make test` runs the native
## configuration and a foreign one ("portable": generic kernels, one thread).
nbval colab: $(STAMP)
	@echo "== stage: notebooks, run as in Colab, native + one foreign numeric configuration"
	$(BIN)/python tools/colab_check.py --config native --config portable chapters

## Every notebook under all three numeric configurations (native, portable, avx2-1thread).
portability: $(STAMP)
	$(BIN)/python tools/colab_check.py --config native --config portable --config avx2-1thread chapters

build-book: $(NODE_STAMP)
	@echo "== stage: book build (warnings are errors)"
	rm -rf _build/html _build/.doctrees
	$(BIN)/jupyter-book build . -W -n --keep-going

## One reveal.js deck per chapter notebook into _build/html/slides/ (builds the book first if absent).
slides: $(STAMP) $(NODE_STAMP)
	@echo "== stage: lecture decks"
	test -f _build/html/index.html || $(BIN)/jupyter-book build . -n --keep-going
	$(BIN)/python slides/build.py

## Every built deck printed to PDF (_build/html/slides/pdf/), offline, by the tests' Chromium.
slides-pdf: $(STAMP) $(CHROMIUM)
	$(BIN)/python slides/pdf.py

## The built book and decks in headless Chromium, offline; screenshots in screenshots/.
browser: $(STAMP) $(CHROMIUM) $(CJK_FONT)
	@echo "== stage: browser tests (screenshots in screenshots/)"
	$(BIN)/python -m pytest tests -m browser -q -p no:cacheprovider --durations=5

## Re-execute notebooks in place so their stored outputs are current:  make execute [NB=path/to/nb.ipynb]
execute: $(STAMP)
	$(BIN)/python tools/notebooks.py execute $(or $(NB),chapters)

## Rewrite the first (setup) cell of every notebook from _config.yml's repository URL.
stamp: $(STAMP)
	$(BIN)/python tools/notebooks.py stamp chapters exercises

## What students receive: the committed repository without exercises/solutions (a tarball).
student-release:
	@mkdir -p _build
	git archive --format=tar.gz --prefix=attention-course/ -o _build/student-release.tar.gz HEAD -- . ':(exclude)exercises/solutions'
	@! tar -tzf _build/student-release.tar.gz | grep -q '^attention-course/exercises/solutions/' || { echo "solutions leaked"; exit 1; }
	@echo "Students receive: _build/student-release.tar.gz (no exercises/solutions)"

clean:
	rm -rf _build
