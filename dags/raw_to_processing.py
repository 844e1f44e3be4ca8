"""Raw → processing: the customer dimension and the transaction fact, rebuilt by MERGE when raw changes."""

from __future__ import annotations

from airflow.sdk import dag

from lakehouse.assets import table_asset
from lakehouse.dag_settings import dag_kwargs, env
from lakehouse.spark_tasks import spark_task

cfg = env()


@dag(
    dag_id="raw_to_processing",
    schedule=[table_asset("raw", "customers"), table_asset("raw", "transactions")],
    **dag_kwargs(cfg, "processing"),
    doc_md=__doc__,
)
def raw_to_processing() -> None:
    spark_task(
        cfg,
        task_id="build_model",
        app="build_processing",
        outlets=[table_asset("curated", "dim_customer"), table_asset("curated", "fact_transactions")],
    )


raw_to_processing()
