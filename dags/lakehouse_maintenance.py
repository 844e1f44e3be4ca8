"""Lakehouse maintenance: one task per zone (raw, quarantine, curated, marts, ops), weekly by default.

Each task runs `maintain_tables` on every table of its zone with the zone's policy from the environment
config (`maintenance.zones`): batches that landed more than `partition_retention_days` before the run's
date are deleted (raw and quarantine only), then Iceberg `rewrite_data_files`, `rewrite_manifests`,
`expire_snapshots` (older than `snapshot_retention_days`, keeping `retain_last`) and
`remove_orphan_files` (older than `orphan_retention_days`); on Delta, OPTIMIZE (ZORDER BY the zone's
`zorder_by` columns) and VACUUM. Data is never changed except by the retention deletes, so a re-run only
finds less to do. The task log prints one MAINTENANCE_RESULT line per table (files, versions, rows
deleted, before and after).
"""

from __future__ import annotations

from typing import get_args

from airflow.sdk import dag

from lakehouse.dag_settings import RUN_DATE, dag_kwargs, env
from lakehouse.spark_tasks import spark_task
from spark_apps.config import Zone

cfg = env()


@dag(
    dag_id="lakehouse_maintenance",
    schedule=cfg.maintenance.schedule,
    **dag_kwargs(cfg, "maintenance"),
    doc_md=__doc__,
)
def lakehouse_maintenance() -> None:
    for zone in get_args(Zone):
        spark_task(cfg, task_id=f"maintain_{zone}", app="maintain_tables", args=["--zones", zone, "--as-of", RUN_DATE])


lakehouse_maintenance()
