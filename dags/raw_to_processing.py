"""Raw → processing: SCD2 customer, product and date dimensions, the transaction fact and the marts,
then the quality gate of the processing and marts layers.

Runs when any raw source of the retail model changes (raw batches were already gated by their raw
checks at ingest). ``build_model`` MERGEs only what changed since the last run (see
docs/architecture.md, "Processing"); re-running it changes nothing. ``quality_gate`` checks every
curated table and mart against config/domains/<domain>/quality, writes ops.quality_results and the run's reports, and
fails on a breached threshold; it emits the gold tables' Assets, so the warehouse loads only data that
passed. Param ``mode``: ``incremental`` (default) or ``full_refresh``, which rebuilds every table from
all of raw and gives the same tables.
"""

from __future__ import annotations

from airflow.sdk import AssetAny, dag

from lakehouse.assets import table_asset
from lakehouse.dag_settings import RUN_DATE, dag_kwargs, env, mode_param
from lakehouse.spark_tasks import spark_task
from spark_apps.domains.retail.tables import CURATED_TABLES, MART_PARTITIONS, RAW_SOURCES

cfg = env()
RAW = [table_asset("raw", name) for name in RAW_SOURCES]


@dag(
    dag_id="raw_to_processing",
    schedule=AssetAny(*RAW),
    **dag_kwargs(cfg, "processing"),
    params={
        "mode": mode_param("rebuilds every dimension, the fact and every mart from all of raw"),
    },
    doc_md=__doc__,
)
def raw_to_processing() -> None:
    build = spark_task(
        cfg, task_id="build_model", app="build_processing", args=["--mode", "{{ params.mode }}"], inlets=RAW
    )
    gate = spark_task(
        cfg,
        task_id="quality_gate",
        app="quality_gate",
        args=["--layers", "processing", "marts", "--domain", "retail", "--as-of", RUN_DATE],
        outlets=[table_asset("curated", t) for t in CURATED_TABLES]
        + [table_asset("marts", m) for m in MART_PARTITIONS],
    )
    build >> gate


raw_to_processing()
