"""Redshift loads as Airflow operators, sharing the DDL, MERGE and reconciliation SQL of every target.

Per table: ``render`` (reads the export's manifest) → ``prepare`` (schema, table with the Redshift
overlay, an empty staging table with the export's column order) → ``copy`` (``SQLExecuteQueryOperator``:
``COPY … IAM_ROLE … FORMAT AS PARQUET MANIFEST`` into staging, from the export's COPY manifest of its part
files; not ``S3ToRedshiftOperator``, which adds ``REGION`` from the AWS connection, and Redshift refuses
REGION in a Parquet COPY) → ``merge`` (``SQLExecuteQueryOperator``: for a full export the
delete of rows it lacks, the MERGE, and a guard that fails unless counts and sums match the manifest,
in one transaction, so a mismatch commits nothing) →
``reconcile`` (prints the warehouse's numbers next to the export's and drops staging).
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import TaskGroup, task

from lakehouse.assets import warehouse_asset
from lakehouse.warehouse import (
    LoadResult,
    WarehouseDriftError,
    check_reconciliation,
    check_table_totals,
    ddl,
    delete_missing_sql,
    forget_load,
    guard_sql,
    is_full,
    merge_sql,
    read_manifest,
    reconcile_sql,
    record_load,
    render,
    staging_table,
    table_totals_sql,
)
from spark_apps.config import EnvConfig, s3_url


def load_statements(manifest: dict[str, Any], schema: str, iam_role: str) -> dict[str, list[str]]:
    """The SQL of one load: ``prepare`` (autocommit DDL), ``copy`` and ``merge`` (one transaction)."""
    table, columns = manifest["table"], manifest["columns"]
    target, staging = f"{schema}.{table}", f"{schema}.{staging_table(table)}"
    if not manifest.get("copy_manifest"):
        raise ValueError(f"{table}: the export at {manifest['path']} has no COPY manifest; re-run its export")
    return {
        "prepare": [
            f"CREATE SCHEMA IF NOT EXISTS {schema}",
            ddl(table, schema, dialect="redshift", manifest=manifest),
            f"DROP TABLE IF EXISTS {staging}",
            # Parquet COPY maps columns by position, so staging takes the export's order, not the target's.
            f"CREATE TABLE {staging} AS SELECT {', '.join(columns)} FROM {target} WHERE 1 = 0",
        ],
        "copy": [
            render(
                "redshift/_copy.sql", staging=staging, manifest_url=s3_url(manifest["copy_manifest"]), iam_role=iam_role
            )
        ],
        "merge": [
            *([delete_missing_sql(target, staging, manifest["keys"])] if is_full(manifest) else []),
            merge_sql(target, staging, manifest["keys"], columns),
            guard_sql(target, staging, manifest),
        ],
    }


def redshift_load_group(env: EnvConfig, table: str) -> TaskGroup:
    """The task group that loads one exported table into Redshift."""
    from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

    wh = env.warehouse
    schema, conn_id, iam_role = wh.schema_, wh.conn_id, wh.copy_iam_role
    assert conn_id is not None and iam_role is not None  # validated at config load

    with TaskGroup(group_id=f"load_{table}") as group:
        # none_failed: a table skipped before this one (not exported yet) does not skip this one
        @task(task_id="render", multiple_outputs=True, trigger_rule="none_failed")
        def render(run_id: str | None = None) -> dict[str, Any]:
            from airflow.sdk.exceptions import AirflowSkipException

            path = env.export_path(table, run_id or "")
            manifest = read_manifest(path, env.lake.aws_conn_id)
            if manifest.get("skipped"):
                raise AirflowSkipException(f"{table}: {manifest['skipped']}")
            return {**load_statements(manifest, schema, iam_role), "manifest": manifest}

        @task(task_id="reconcile", outlets=[warehouse_asset(table)])
        def reconcile(manifest: dict[str, Any]) -> str:
            from airflow.sdk import BaseHook

            hook = BaseHook.get_connection(conn_id).get_hook()
            staging = f"{schema}.{staging_table(table)}"
            row = hook.get_first(
                reconcile_sql(f"{schema}.{table}", staging, manifest["keys"], list(manifest["measures"]))
            )
            result: LoadResult = check_reconciliation(manifest, tuple(row))
            whole = hook.get_first(table_totals_sql(f"{schema}.{table}", list(manifest["measures"])))
            try:  # after the MERGE's commit: Redshift keeps the changes, the next export (full) repairs
                check_table_totals(manifest, tuple(whole))
            except WarehouseDriftError as exc:
                forget_load(env, table, str(exc))
                raise
            hook.run(f"DROP TABLE IF EXISTS {staging}", autocommit=True)
            record_load(env, result)
            print(f"WAREHOUSE_RESULT {result.summary()}")
            return result.summary()

        sql: Any = render()  # multiple_outputs: each key is an XComArg of its own (the stub types it as one)
        prepare = SQLExecuteQueryOperator(task_id="prepare", conn_id=conn_id, sql=sql["prepare"], autocommit=True)
        copy = SQLExecuteQueryOperator(task_id="copy", conn_id=conn_id, sql=sql["copy"], autocommit=True)
        merge = SQLExecuteQueryOperator(
            task_id="merge", conn_id=conn_id, sql=sql["merge"], autocommit=False, split_statements=False
        )
        prepare >> copy >> merge >> reconcile(sql["manifest"])
    return group
