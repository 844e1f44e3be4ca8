"""Landing → raw: each source's files for the batch date become rows in raw.<source> or quarantine.

One task group per contract in config/sources: adding a source adds a group, with no code change.
Each ingest task proves conservation (rows read = loaded + quarantined) and fails if it does not hold.
"""

from __future__ import annotations

from airflow.sdk import Param, TaskGroup, dag

from lakehouse.assets import table_asset
from lakehouse.dag_settings import BATCH_DATE, TAGS, default_args, env, start_date
from lakehouse.spark_tasks import spark_task
from spark_apps.config import load_contracts

cfg = env()


@dag(
    dag_id="landing_to_raw",
    schedule=cfg.airflow.landing_schedule,
    start_date=start_date(cfg),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(cfg),
    tags=[*TAGS, "landing", "raw"],
    params={
        "batch_date": Param(
            None,
            type=["null", "string"],
            format="date",
            description="Landing folder date to load (default: the run's logical date)",
        ),
    },
    doc_md=__doc__,
)
def landing_to_raw() -> None:
    for name in load_contracts():
        with TaskGroup(group_id=name):
            spark_task(
                cfg,
                task_id="ingest",
                app="ingest_raw",
                args=["--source", name, "--batch-date", BATCH_DATE],
                outlets=[table_asset("raw", name)],
            )


landing_to_raw()
