"""The end-to-end lake: generated landing files run through the DAGs under `airflow dags test`.

Built once per test session (``e2e`` fixture in conftest.py) and read by the end-to-end tests and the
lakehouse UI tests, which both need a lake the real DAGs wrote.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from spark_apps.sample_data import FaultRates, Summary, generate

BATCH_DATE = "2026-02-01"
# The modules whose tests read this lake: `make test` runs them on one pytest-xdist worker, so the
# lake is built once (tests/conftest.py; a test elsewhere asking for `e2e` is an error).
MODULES = ("tests/integration/test_end_to_end.py", "tests/integration/test_lakehouse_ui.py")
# The longest xdist scopes (DAG runs end to end), scheduled first, in this order.
LONGEST = (
    "e2e-lake",
    "e2e-lake-delta",
    "tests/integration/test_s3_end_to_end.py",
    "tests/integration/test_new_domain.py",
    "tests/integration/test_compose_env.py",
)
AIRFLOW = str(Path(sys.executable).parent / "airflow")
# A hang guard, not a speed check: under the full suite's load on 2 cores one DAG run has taken more than
# 900 s (the Delta lake's landing run, when it still started a spark-submit JVM per source).
DAG_RUN_TIMEOUT_S = 1800


# The DAG runs that build a lake (every domain), as stages in order, each run with its `airflow dags test`
# options. The runs of a stage start at once, as the scheduler starts them when landing's assets update and
# as `make demo` runs them: their inputs and tables are disjoint.
Run = tuple[str, list[str]]
RUNS: tuple[tuple[Run, ...], ...] = (
    (("landing_to_raw", []),),
    (
        ("retail_processing", []),
        ("banking_processing", []),
        ("events_processing", []),
        ("account_summary", ["--conf", '{"mode": "initial"}']),
    ),
    (("processing_to_warehouse", []),),
)


# On S3 the Hadoop catalog has no atomic rename, so commits racing on the shared ops tables are unsafe there:
# lakes on S3 run one DAG at a time.
ONE_AT_A_TIME: tuple[tuple[Run, ...], ...] = tuple((run,) for stage in RUNS for run in stage)


def dag_ids(runs: Sequence[Sequence[Run]]) -> list[str]:
    """The DAGs of staged runs, in order."""
    return [dag_id for stage in runs for dag_id, _ in stage]


def run_dags(
    env: dict[str, str], batch_date: str, log_prefix: Path, runs: Sequence[Sequence[Run]] = RUNS
) -> dict[str, str]:
    """Run the stages in order under `airflow dags test`, a stage's DAGs at once; each log is kept at
    ``<prefix>-<dag>.log`` and returned by DAG id. A failed run fails the caller with its log's tail once
    its stage has ended."""
    logs: dict[str, str] = {}
    for stage in runs:
        started = []
        for dag_id, extra in stage:
            path = log_prefix.parent / f"{log_prefix.name}-{dag_id}.log"
            with path.open("w") as out:
                proc = subprocess.Popen(
                    [AIRFLOW, "dags", "test", dag_id, batch_date, *extra],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            started.append((dag_id, path, proc))
        failed = []
        for dag_id, path, proc in started:
            try:
                proc.wait(timeout=DAG_RUN_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            logs[dag_id] = path.read_text()
            if proc.returncode != 0:
                failed.append(f"{dag_id} failed (log: {path}):\n{logs[dag_id][-5000:]}")
        assert not failed, "\n\n".join(failed)
    return logs


def generate_landing(landing: Path) -> Summary:
    """The e2e lake's landed batch (every source, 2 % faults); ``bench/landing_batch.py`` loads it too."""
    return generate(
        landing,
        BATCH_DATE,
        200,
        3000,
        seed=5,
        faults=FaultRates.uniform(0.02),
        accounts=40,
        months=14,
        bank_customers=60,
        app_users=80,
    )


def build(scratch: Path, spark, airflow_home: Path, table_format: str = "iceberg") -> dict:
    """Generate data, run the DAGs in order, and expose the e2e lake to `spark`: Iceberg as catalog
    `e2e`, Delta (environment `test_delta`) by table path. ``lake["table"]("raw.x")`` names a table."""
    suffix = "" if table_format == "iceberg" else f"-{table_format}"
    home, lake, wh = airflow_home, scratch / f"e2e-lake{suffix}", scratch / f"e2e-warehouse{suffix}.duckdb"
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "PIPELINE_ENV": "test" if table_format == "iceberg" else f"test_{table_format}",
        "PIPELINE_LAKE_ROOT": str(lake),
        "PIPELINE_WAREHOUSE_PATH": str(wh),
    }
    summary = generate_landing(lake / "landing")
    logs = run_dags(env, BATCH_DATE, scratch / f"e2e{suffix}")
    if table_format == "iceberg":
        spark.conf.set("spark.sql.catalog.e2e", "org.apache.iceberg.spark.SparkCatalog")
        spark.conf.set("spark.sql.catalog.e2e.type", "hadoop")
        spark.conf.set("spark.sql.catalog.e2e.cache-enabled", "false")  # written by other processes
        spark.conf.set("spark.sql.catalog.e2e.warehouse", str(lake / "warehouse"))
        catalog = "lake"

        def table(name: str) -> str:
            return f"e2e.{name}"
    else:
        catalog = "spark_catalog"

        def table(name: str) -> str:
            zone, t = name.split(".")
            return f"delta.`{lake / 'warehouse' / f'{zone}.db' / t}`"

    return {
        "summary": summary,
        "logs": logs,
        "warehouse": str(wh),
        "lake": lake,
        "env": env,
        "format": table_format,
        "catalog": catalog,
        "table": table,
    }


ZONES = ("raw", "quarantine", "curated", "marts", "ops")


def zone_tables(spark, lake: dict | None = None) -> list[str]:
    """Every table of an e2e lake (default: the Iceberg one) as ``<zone>.<table>``."""
    if lake is not None and lake["format"] == "delta":
        warehouse = lake["lake"] / "warehouse"
        return sorted(
            f"{zone}.{log.parent.name}" for zone in ZONES for log in (warehouse / f"{zone}.db").glob("*/_delta_log")
        )
    return sorted(
        f"{zone}.{r['tableName']}" for zone in ZONES for r in spark.sql(f"SHOW TABLES IN e2e.{zone}").collect()
    )


def ingest_parts_by_source(ingest: dict, summary) -> dict[str, tuple]:
    """The batch ingest's run-log parts as (status, rows in, out, quarantined) per source, and what the
    generator landed and expects quarantined, in the same shape: the two must be equal."""
    got = {p["name"]: (p["status"], p["rows_in"], p["rows_out"], p["rows_quarantined"]) for p in ingest["parts"]}
    bad = summary.quarantine_expected
    want = {s: ("success", n, n - bad.get(s, 0), bad.get(s, 0)) for s, n in summary.rows.items()}
    return {"recorded": got, "expected": want}
