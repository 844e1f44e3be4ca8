"""Processing → warehouse: export gold tables to Parquet, then MERGE them into the warehouse and reconcile.

The environment config picks the target: DuckDB (embedded file) and PostgreSQL load in one Python task
(staging by read_parquet / COPY FROM STDIN, MERGE, reconciliation, one transaction); Redshift loads
through SQLExecuteQueryOperator tasks per table (COPY … FORMAT AS PARQUET MANIFEST of the export's part
files into staging, then MERGE and a reconciliation guard in one transaction). Dimensions load before facts.
Full exports also delete warehouse rows they no longer hold; ``changes`` exports carry only what
changed since the version each target last loaded (recorded after every committed load).
"""

from __future__ import annotations

from airflow.sdk import AssetAny, dag, task

from lakehouse.assets import table_asset_named, warehouse_asset
from lakehouse.dag_settings import dag_kwargs, env
from lakehouse.spark_tasks import spark_task
from spark_apps.config import load_warehouse_tables

cfg = env()
TABLES = load_warehouse_tables().tables


@dag(
    dag_id="processing_to_warehouse",
    # Any gold table changing (the model, or the account summary from its own DAG) starts a load;
    # tables that have not changed export no rows (changes) or reload identically (full).
    schedule=AssetAny(*[table_asset_named(spec.source) for spec in TABLES.values()]),
    **dag_kwargs(cfg, "warehouse"),
    doc_md=__doc__,
)
def processing_to_warehouse() -> None:
    export = spark_task(cfg, task_id="export_gold", app="export_gold")

    if cfg.warehouse.target == "redshift":
        from lakehouse.redshift_load import redshift_load_group

        previous = export
        for name in TABLES:
            group = redshift_load_group(cfg, name)
            previous >> group
            previous = group
        return

    @task(outlets=[warehouse_asset(name) for name in TABLES])
    def load_warehouse(run_id: str | None = None) -> list[str]:
        """Dimensions first, so facts never reference keys the warehouse lacks. Each table commits on its
        own; a table that fails (reconciliation, drift) stops the ones after it, so the warehouse holds
        this run's dimensions with the previous run's facts at worst, never facts without dimensions."""
        from lakehouse.warehouse import load_table

        results = []
        for name in TABLES:
            result = load_table(cfg, name, run_id or "")
            print(f"WAREHOUSE_RESULT {result.summary()}")
            results.append(result.summary())
        return results

    export >> load_warehouse()


processing_to_warehouse()
