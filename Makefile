# The two commands a new user needs:  `make demo`  and  `make test`.
# Both install what they need first (a .venv from pinned requirements) and are safe to re-run.

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DATE ?= 2026-01-01
DEMO_CUSTOMERS ?= 2000
DEMO_TRANSACTIONS ?= 50000
DEMO_FAULT_RATE ?= 0.01
DEMO_ACCOUNTS ?= 1000
DEMO_MONTHS ?= 36
DEMO_CUSTOMER_CHANGES ?= 0.02
DEMO_BANK_CUSTOMERS ?= 500
DEMO_APP_USERS ?= 2000

# Local runtime: embedded Airflow (SQLite), Spark on local[2] from the venv, DuckDB warehouse.
export PATH := $(BIN):$(PATH)
export AIRFLOW_HOME ?= $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__UNIT_TEST_MODE := False
export AIRFLOW_CONN_SPARK_LOCAL ?= {"conn_type":"spark","host":"local[2]"}
export PYSPARK_PYTHON := $(BIN)/python
export SPARK_VERSION := 3.5
export PIPELINE_ENV ?= dev

.PHONY: install package airflow-db demo compose-demo ui test test-deep browser postgres lint bench clean

JVM_INDEX := $(CURDIR)/.jvm/resolved.json

install: $(STAMP) $(JVM_INDEX)

$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -r requirements.txt -r requirements-dev.txt -c constraints.txt
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $(STAMP)

# JVM packages (config/jvm_packages.yaml) the local environments name, resolved once from Maven Central by
# Spark's own Ivy into .jvm/; tests and the demo then run offline (spark_apps/jvm_deps.py). Then the archive of
# Spark's classes local drivers start with (.jvm/cds/, class-data sharing).
$(JVM_INDEX): $(STAMP) config/jvm_packages.yaml $(wildcard config/environments/*.yaml) spark_apps/jvm_deps.py spark_apps/jobs/warm_up.py
	@mkdir -p $(dir $(JVM_INDEX))
	$(BIN)/python -m spark_apps.jvm_deps > $(dir $(JVM_INDEX))resolve.log 2>&1 || { tail -40 $(dir $(JVM_INDEX))resolve.log; exit 1; }
	@tail -n +1 $(dir $(JVM_INDEX))resolve.log | grep -E "jar\(s\)|JVM cache|class-data archive"
	@touch $(JVM_INDEX)

# The archive every Spark backend ships with --py-files (versioned inside by spark_apps.__version__).
# What Spark backends ship: the zip for --py-files, the wheel for Databricks libraries (both carry
# spark_apps.__version__), and config/ as pipeline_config.zip for drivers running on a cluster.
package: install
	@$(BIN)/python -m spark_apps.archive dist/spark_apps.zip dist/pipeline_config.zip
	@$(BIN)/pip wheel . --no-deps --quiet -w dist && rm -rf build *.egg-info
	@ls dist/*.whl

airflow-db: install
	@test -f $(AIRFLOW_HOME)/airflow.db || $(BIN)/airflow db migrate > /dev/null

# Two landing runs: the day's batch, then the next day's delivery of changed customers (its own batch),
# which the processing build turns into SCD2 versions.
DEMO_NEXT_DATE = $(shell $(PYTHON) -c "import datetime as d; print(d.date.fromisoformat('$(DEMO_DATE)') + d.timedelta(days=1))")
# Domains with declared models: each has a generated <domain>_processing DAG (dags/domain_processing.py).
DECLARED_DOMAINS = $(shell $(BIN)/python -c "from spark_apps.model_spec import load_domains; \
  print(' '.join(n for n, d in load_domains().items() if d.models))" 2>/dev/null)
# The DAGs after landing read disjoint raw tables and write disjoint tables: as the scheduler starts each
# when its assets update, the demo runs them at once (0.72x their time one after the other, bench/README.md).
DEMO_AFTER_LANDING = $(DECLARED_DOMAINS:%=%_processing) account_summary
# The Spark jobs after the day's landing batch are short at the demo's sizes (the next day's customers, and the DAGs
# run four at once on 2 cores, where CPU is what is scarce): their drivers run C1 only (PIPELINE_DRIVER_JAVA_OPTIONS,
# which config/environments/dev.yaml reads), a processing build 0.54x its CPU. The day's batch, every source in one
# application, is long enough for C2 to pay (C1: 1.1-1.2x its time), so it keeps the JIT's defaults, as do your own
# runs (bench/README.md, jvm_startup.py). DEMO_SHORT_JOBS_JVM= turns it off.
DEMO_SHORT_JOBS_JVM ?= -XX:TieredStopAtLevel=1
SHORT_JOBS = PIPELINE_DRIVER_JAVA_OPTIONS='$(DEMO_SHORT_JOBS_JVM)'
demo-dag-account_summary: DEMO_DAG_CONF = -c '{"mode": "initial"}'
demo-dag-%:
	@echo airflow dags test $* $(DEMO_DATE) $(DEMO_DAG_CONF)
	@$(SHORT_JOBS) $(BIN)/airflow dags test $* $(DEMO_DATE) $(DEMO_DAG_CONF) > data/demo-$*.log 2>&1 \
	  || { tail -50 data/demo-$*.log; exit 1; }

demo: package airflow-db
	@mkdir -p data
	$(BIN)/python -m spark_apps.sample_data --landing data/lake/landing --batch-date $(DEMO_DATE) \
	  --customers $(DEMO_CUSTOMERS) --transactions $(DEMO_TRANSACTIONS) --fault-rate $(DEMO_FAULT_RATE) \
	  --accounts $(DEMO_ACCOUNTS) --months $(DEMO_MONTHS) --customer-changes $(DEMO_CUSTOMER_CHANGES) \
	  --bank-customers $(DEMO_BANK_CUSTOMERS) --app-users $(DEMO_APP_USERS) > data/generation-summary.json
	$(BIN)/airflow dags test landing_to_raw $(DEMO_DATE) > data/demo-landing_to_raw.log 2>&1 \
	  || { tail -50 data/demo-landing_to_raw.log; exit 1; }
	$(SHORT_JOBS) $(BIN)/airflow dags test landing_to_raw $(DEMO_DATE) -c '{"batch_date": "$(DEMO_NEXT_DATE)"}' \
	  >> data/demo-landing_to_raw.log 2>&1 || { tail -50 data/demo-landing_to_raw.log; exit 1; }
	@sed -nE 's/.*INGEST_RESULT (.*watermark=[^ ]*).*/  \1/p' data/demo-landing_to_raw.log | sort -u
	$(MAKE) --no-print-directory -j 4 $(addprefix demo-dag-,$(DEMO_AFTER_LANDING))
	@sed -nE 's/.*PROCESSING_RESULT (table=[^ ]+ (materialization=[^ ]+ )?rows=[0-9]+).*/  \1/p' \
	  data/demo-*_processing.log | sort -u
	@sed -nE 's/.*QUALITY_RESULT (table=[^ ]+ check=[^ ]+ status=(warning|failure) pass_rate=[^ ]+ threshold=[^ ]+).*/  \1/p' \
	  data/demo-landing_to_raw.log data/demo-*_processing.log | sort -u
	@sed -nE 's/.*QUALITY_REPORT html=([^ ]+).*/  quality report: \1/p' data/demo-landing_to_raw.log \
	  data/demo-*_processing.log | sort -u
	@sed -nE 's/.*(SUMMARY_RESULT [^\\]*rows_written=[0-9]+).*/  \1/p' data/demo-account_summary.log | sort -u
	$(SHORT_JOBS) $(BIN)/airflow dags test processing_to_warehouse $(DEMO_DATE) > data/demo-processing_to_warehouse.log 2>&1 \
	  || { tail -50 data/demo-processing_to_warehouse.log; exit 1; }
	@sed -nE 's/.*WAREHOUSE_RESULT (table=[^ ]+ exported=[0-9]+ matched_in_warehouse=[0-9]+).*/  \1/p' \
	  data/demo-processing_to_warehouse.log
	@$(SHORT_JOBS) $(BIN)/python -m spark_apps.jobs.lake_report --run-id demo-report 2>/dev/null
	@$(BIN)/python -c "import duckdb; from spark_apps.config import load_env; \
	  w = load_env().warehouse; con = duckdb.connect(w.duckdb_path, read_only=True); \
	  print('Warehouse (DuckDB):', w.duckdb_path); \
	  [print(f'  {w.schema_}.{t:<24} rows={con.execute(f\"select count(*) from {w.schema_}.{t}\").fetchone()[0]}') \
	   for (t,) in con.execute(\"select table_name from information_schema.tables where table_schema = ? order by 1\", [w.schema_]).fetchall()]; \
	  one = lambda sql: con.execute(sql.format(s=w.schema_)).fetchone()[0]; \
	  print('  type-2 rows (dim_customer versions superseded by a later delivery):', one('select count(*) from {s}.dim_customer where not is_current')); \
	  print('  large orders (fact_transactions.is_large_order):', one('select count(*) from {s}.fact_transactions where is_large_order'))"
	@echo "Logs: data/demo-*.log   Lake: data/lake   Generation summary: data/generation-summary.json"

# The demo on the docker compose stack (needs a Docker engine with compose): build and start it as your
# user, generate the landing files, copy them into MinIO's landing prefix with minio-init's `mc`, wait for
# the DAGs to be parsed, trigger landing_to_raw (retail_processing and processing_to_warehouse follow on
# their assets) and, once it succeeded, the account summary's initial build. Follow it at :8080.
COMPOSE_LANDING := data/compose-landing
compose-demo: install
	@mkdir -p $(COMPOSE_LANDING)
	$(BIN)/python -m spark_apps.sample_data --landing $(COMPOSE_LANDING) --batch-date $(DEMO_DATE) \
	  --customers $(DEMO_CUSTOMERS) --transactions $(DEMO_TRANSACTIONS) --fault-rate $(DEMO_FAULT_RATE) \
	  --accounts $(DEMO_ACCOUNTS) --months $(DEMO_MONTHS) > data/compose-generation-summary.json
	AIRFLOW_UID=$$(id -u) docker compose up --build --detach
	docker compose run --rm -v "$(CURDIR)/$(COMPOSE_LANDING):/landing:ro" minio-init \
	  "mc alias set local http://minio:9000 minio minio-secret && mc mirror --overwrite /landing local/acme-lakehouse/lake/landing"
	@for i in $$(seq 60); do docker compose exec -T airflow-scheduler airflow dags details landing_to_raw > /dev/null 2>&1 && break; \
	  echo "waiting for the DAGs to be parsed"; sleep 5; done
	docker compose exec -T airflow-scheduler airflow dags trigger landing_to_raw --logical-date $(DEMO_DATE)T00:00:00+00:00
	@for i in $$(seq 180); do state=$$(docker compose exec -T airflow-scheduler airflow dags state landing_to_raw \
	  $(DEMO_DATE)T00:00:00+00:00 2>/dev/null | tail -1); case "$$state" in success) break;; failed) echo "landing_to_raw failed"; exit 1;; esac; \
	  echo "landing_to_raw: $${state:-queued}"; sleep 10; done
	docker compose exec -T airflow-scheduler airflow dags trigger account_summary --logical-date $(DEMO_DATE)T00:00:00+00:00 \
	  --conf '{"mode": "initial"}'
	@echo "Triggered. Airflow: http://localhost:8080  Spark: http://localhost:8081  MinIO: http://localhost:9001 (minio / minio-secret)"
	@echo "Warehouse: docker compose exec postgres psql -U airflow -d warehouse -c 'select count(*) from analytics.fact_transactions'"

# The Airflow UI (API server only: enough to browse) with the lakehouse pages over the lake `make demo` wrote.
UI_PORT ?= 8080
ui: airflow-db
	@echo "Airflow UI: http://localhost:$(UI_PORT)/  (nav: Browse > Lakehouse; or http://localhost:$(UI_PORT)/lakehouse/)"
	@echo "Log in as admin: the password is printed below and kept in $(AIRFLOW_HOME)/simple_auth_manager_passwords.json.generated"
	$(BIN)/airflow api-server --host 127.0.0.1 --port $(UI_PORT)

# Two workers (pytest-xdist), a test file per worker at a time; the modules reading the end-to-end lake
# share one worker (tests/conftest.py). Much of a worker's time is spent waiting on JVMs and Airflow.
TEST_WORKERS ?= 2
test: lint package browser postgres
	CI=$${CI:-} $(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile --durations=20

# The same suite with ten times the property tests' examples (tests/property.py), before a release.
test-deep:
	HYPOTHESIS_PROFILE=deep $(MAKE) --no-print-directory test

# PostgreSQL's server binaries for the warehouse tests: each test run starts a private trust-auth server
# from them (tests/postgres_server.py), so no cluster has to be running or configured. Installed only
# when missing, as root with apt-get (Debian's postgresql); otherwise say how.
postgres: install
	@$(BIN)/python -c "import sys; from tests.postgres_server import find_bindir; sys.exit(find_bindir() is None)" || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null; then \
	    echo "installing Debian's postgresql for the warehouse tests"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -qq --no-install-recommends postgresql > /dev/null \
	      || { apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql > /dev/null; }; \
	  else echo "PostgreSQL binaries not found: PostgreSQL tests will skip (sudo apt-get install postgresql)"; fi; }

# Debian's Chromium for the headless-browser tests of the HTML reports (they skip without it, and fail
# under CI=true). Installed only when missing, as root with apt-get; otherwise say how.
browser:
	@command -v chromium > /dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -qq --no-install-recommends chromium > /dev/null \
	      || { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium > /dev/null; }; \
	  else echo "chromium not found: browser tests will skip (sudo apt-get install chromium)"; fi; }

# Benchmarks at their default sizes (minutes each; run on an idle machine). Results: bench/README.md.
bench: install
	$(BIN)/python bench/account_summary.py
	$(BIN)/python bench/warehouse_load.py
	$(BIN)/python bench/raw_ingest.py

# Ruff (style, imports, bugbear, Airflow AIR rules, complexity C90 <= 12) and mypy on the platform and
# domain code (spark_apps/, plugins/: [tool.mypy] in pyproject.toml). `make test` runs it first.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf data dist .airflow
