"""Freshness SLAs: hourly by default (`airflow.freshness_schedule`), check that every table has changed
within the hours config/freshness.yaml allows it. A stale or missing table fails the task with every
breach named (`freshness SLA missed: ...`), and the failure callback sends an `sla_miss` alert.
"""

from __future__ import annotations

from airflow.sdk import dag

from lakehouse.dag_settings import dag_kwargs, env
from lakehouse.spark_tasks import spark_task

cfg = env()


@dag(dag_id="freshness_sla", schedule=cfg.airflow.freshness_schedule, **dag_kwargs(cfg, "operations"), doc_md=__doc__)
def freshness_sla() -> None:
    spark_task(cfg, task_id="check_freshness", app="check_freshness")


freshness_sla()
