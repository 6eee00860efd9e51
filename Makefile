# govdata — the two commands are `make run` (main job) and `make test` (whole suite).
SHELL := /bin/bash
PY ?= python3
UV := $(PY) -m uv
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run up stop test lint bench bench-estate bench-classify bench-mask bench-quality clean

install: $(STAMP)

# Installs what the project needs on a fresh machine: uv, PostgreSQL and MariaDB server binaries, Chromium (for the
# UI test; Playwright drives the system browser, it downloads none), a CJK font and poppler (maturity reports: WeasyPrint
# and matplotlib draw Chinese with it; the report test reads the PDF back), the locked venv.
# Re-runs whenever uv.lock changes. collate-sqlfluff is reinstalled every time: it ships the `sqlfluff`
# module, and a venv that once held the `sqlfluff` distribution too loses those files when uv removes it.
# --compile-bytecode: the venv's modules compiled once here (~30 s). Python never writes a .pyc where
# PYTHONDONTWRITEBYTECODE is set (as on this machine), and every process — each DAG task, dbt, the CLI,
# the tests' subprocesses — then compiled Airflow, dbt, spaCy and Presidio from source again: importing
# those four took 9.5 s, 4.3 s with the bytecode.
$(STAMP): pyproject.toml uv.lock
	@$(PY) -m uv --version >/dev/null 2>&1 || $(PY) -m pip install --quiet uv
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || \
		{ echo "installing PostgreSQL server binaries (Debian package postgresql)"; \
		  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }
	@command -v mariadbd >/dev/null 2>&1 || test -x /usr/sbin/mariadbd || \
		{ echo "installing MariaDB server binaries (Debian packages mariadb-server, mariadb-client)"; \
		  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server mariadb-client >/dev/null; }
	@command -v chromium >/dev/null 2>&1 || \
		{ echo "installing Chromium and a CJK font for the UI test (Debian packages chromium, fonts-wqy-microhei)"; \
		  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }
	@{ fc-list :lang=zh family 2>/dev/null | grep -q "Noto Sans CJK" && command -v pdftoppm >/dev/null 2>&1; } || \
		{ echo "installing a CJK font for the maturity reports' PDF and charts, and poppler for their test (Debian packages fonts-noto-cjk, poppler-utils)"; \
		  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk poppler-utils >/dev/null; }
	$(UV) sync --frozen --python $(PY) --reinstall-package collate-sqlfluff --compile-bytecode
	@touch $(STAMP)

run: $(STAMP)  ## the main job: embedded PostgreSQL + demo departments through Airflow
	$(BIN)/govdata run

up: $(STAMP)  ## Airflow UI on localhost:8080 with the demo
	$(BIN)/govdata up

stop: $(STAMP)  ## stop what run/up started
	$(BIN)/govdata stop

test: $(STAMP)  ## the whole test suite (starts its own PostgreSQL)
	$(BIN)/pytest

lint: $(STAMP)  ## ruff, ruff format, mypy (paths in pyproject.toml), sqlfluff; .pre-commit-config.yaml runs the same
	$(BIN)/ruff check .
	$(BIN)/ruff format --check plugins dags tests bench
	@if ls dbt_project/models >/dev/null 2>&1; then $(BIN)/sqlfluff lint dbt_project/models; fi
	$(BIN)/mypy

bench: $(STAMP)  ## crawl throughput vs a plain COPY round trip (SCALE=5 by default); quality checks at scale 1 and 5
	$(BIN)/python bench/bench_crawl.py --scale $${SCALE:-5}
	$(BIN)/python bench/bench_quality.py --scales 1,5

bench-quality: $(STAMP)  ## time to check the whole demo warehouse (check_quality) at scale 1 and 5; goals checked
	$(BIN)/python bench/bench_quality.py --scales 1,5 --check

# DEPTS×TABLES small tables (default 20×500 = 10,000) and half the departments, to show per-table growth
bench-estate: $(STAMP)  ## estate: first crawl, unchanged and 1%-changed re-crawls, classify, catalog; goals checked
	$(BIN)/python bench/bench_estate.py --check \
		--sizes $$(( $${DEPTS:-20} / 2 ))x$${TABLES:-500},$${DEPTS:-20}x$${TABLES:-500}

bench-classify: $(STAMP)  ## classification precision/recall and columns/s vs plain Presidio; goals checked
	$(BIN)/python bench/bench_classify.py --check

bench-mask: $(STAMP)  ## masking + publication of a ROWS-row, 12-column table vs a plain CTAS copy and per-cell Presidio; goals checked
	$(BIN)/python bench/bench_mask.py --rows $${ROWS:-1000000} --check

clean:  ## stop everything, delete the embedded cluster (wherever it lives) and .local
	$(BIN)/govdata clean || true
	rm -rf .local
