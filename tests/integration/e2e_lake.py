"""The end-to-end lake: generated landing files run through the DAGs under `airflow dags test`.

Built once per test session (``e2e`` fixture in conftest.py) and read by the end-to-end tests and the
lakehouse UI tests, which both need a lake the real DAGs wrote.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from spark_apps.sample_data import FaultRates, generate

BATCH_DATE = "2026-02-01"
# The modules whose tests read this lake: `make test` runs them on one pytest-xdist worker, so the
# lake is built once (tests/conftest.py; a test elsewhere asking for `e2e` is an error).
MODULES = ("tests/integration/test_end_to_end.py", "tests/integration/test_lakehouse_ui.py")
AIRFLOW = str(Path(sys.executable).parent / "airflow")


def build(scratch: Path, spark, airflow_home: Path) -> dict:
    """Generate data, run the four DAGs in order, and expose the e2e lake as catalog `e2e` in `spark`."""
    home, lake, wh = airflow_home, scratch / "e2e-lake", scratch / "e2e-warehouse.duckdb"
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "PIPELINE_LAKE_ROOT": str(lake),
        "PIPELINE_WAREHOUSE_PATH": str(wh),
    }
    summary = generate(
        lake / "landing", BATCH_DATE, 200, 3000, seed=5, faults=FaultRates.uniform(0.02), accounts=40, months=14
    )
    logs = {}
    runs = [
        ("landing_to_raw", []),
        ("raw_to_processing", []),
        ("account_summary", ["--conf", '{"mode": "initial"}']),
        ("processing_to_warehouse", []),
    ]
    for dag_id, extra in runs:
        proc = subprocess.run(
            [AIRFLOW, "dags", "test", dag_id, BATCH_DATE, *extra], env=env, capture_output=True, text=True, timeout=900
        )
        logs[dag_id] = proc.stdout + proc.stderr
        assert proc.returncode == 0, f"{dag_id} failed:\n{logs[dag_id][-5000:]}"
    spark.conf.set("spark.sql.catalog.e2e", "org.apache.iceberg.spark.SparkCatalog")
    spark.conf.set("spark.sql.catalog.e2e.type", "hadoop")
    spark.conf.set("spark.sql.catalog.e2e.cache-enabled", "false")  # written by other processes
    spark.conf.set("spark.sql.catalog.e2e.warehouse", str(lake / "warehouse"))
    return {"summary": summary, "logs": logs, "warehouse": str(wh), "lake": lake, "env": env}


def zone_tables(spark) -> list[str]:
    """Every table of the e2e lake as ``<zone>.<table>``."""
    return sorted(
        f"{zone}.{r['tableName']}"
        for zone in ("raw", "quarantine", "curated", "marts", "ops")
        for r in spark.sql(f"SHOW TABLES IN e2e.{zone}").collect()
    )
