"""Redshift loads as Airflow operators, sharing the DDL, MERGE and reconciliation SQL of every target.

Per table: ``render`` (reads the export's manifest) → ``prepare`` (schema, table with the Redshift
overlay, an empty staging table with the export's column order) → ``copy`` (``S3ToRedshiftOperator``,
``FORMAT AS PARQUET`` into staging) → ``merge`` (``SQLExecuteQueryOperator``: for a full export the
delete of rows it lacks, the MERGE, and a guard that fails unless counts and sums match the manifest,
in one transaction, so a mismatch commits nothing) →
``reconcile`` (prints the warehouse's numbers next to the export's and drops staging).
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import TaskGroup, task

from lakehouse.assets import warehouse_asset
from lakehouse.s3_store import split_uri
from lakehouse.warehouse import (
    LoadResult,
    check_reconciliation,
    ddl,
    delete_missing_sql,
    guard_sql,
    is_full,
    merge_sql,
    read_manifest,
    reconcile_sql,
    record_load,
    staging_table,
)
from spark_apps.config import EnvConfig

PARQUET_COPY_OPTIONS = ["FORMAT AS PARQUET"]


def load_statements(manifest: dict[str, Any], schema: str) -> dict[str, list[str]]:
    """The SQL of one load: ``prepare`` (autocommit DDL) and ``merge`` (one transaction)."""
    table, columns = manifest["table"], manifest["columns"]
    target, staging = f"{schema}.{table}", f"{schema}.{staging_table(table)}"
    return {
        "prepare": [
            f"CREATE SCHEMA IF NOT EXISTS {schema}",
            ddl(table, schema, dialect="redshift"),
            f"DROP TABLE IF EXISTS {staging}",
            # Parquet COPY maps columns by position, so staging takes the export's order, not the target's.
            f"CREATE TABLE {staging} AS SELECT {', '.join(columns)} FROM {target} WHERE 1 = 0",
        ],
        "merge": [
            *([delete_missing_sql(target, staging, manifest["keys"])] if is_full(manifest) else []),
            merge_sql(target, staging, manifest["keys"], columns),
            guard_sql(target, staging, manifest),
        ],
    }


def redshift_load_group(env: EnvConfig, table: str) -> TaskGroup:
    """The task group that loads one exported table into Redshift."""
    from airflow.providers.amazon.aws.transfers.s3_to_redshift import S3ToRedshiftOperator
    from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

    wh = env.warehouse
    schema, conn_id = wh.schema_, wh.conn_id
    assert conn_id is not None  # validated at config load

    with TaskGroup(group_id=f"load_{table}") as group:
        # none_failed: a table skipped before this one (not exported yet) does not skip this one
        @task(task_id="render", multiple_outputs=True, trigger_rule="none_failed")
        def render(run_id: str | None = None) -> dict[str, Any]:
            from airflow.sdk.exceptions import AirflowSkipException

            path = env.export_path(table, run_id or "")
            manifest = read_manifest(path, env.lake.aws_conn_id)
            if manifest.get("skipped"):
                raise AirflowSkipException(f"{table}: {manifest['skipped']}")
            bucket, key = split_uri(path)
            return {**load_statements(manifest, schema), "bucket": bucket, "key": f"{key}/", "manifest": manifest}

        @task(task_id="reconcile", outlets=[warehouse_asset(table)])
        def reconcile(manifest: dict[str, Any]) -> str:
            from airflow.sdk import BaseHook

            hook = BaseHook.get_connection(conn_id).get_hook()
            staging = f"{schema}.{staging_table(table)}"
            row = hook.get_first(
                reconcile_sql(f"{schema}.{table}", staging, manifest["keys"], list(manifest["measures"]))
            )
            result: LoadResult = check_reconciliation(manifest, tuple(row))
            hook.run(f"DROP TABLE IF EXISTS {staging}", autocommit=True)
            record_load(env, result)
            print(f"WAREHOUSE_RESULT {result.summary()}")
            return result.summary()

        sql = render()
        prepare = SQLExecuteQueryOperator(task_id="prepare", conn_id=conn_id, sql=sql["prepare"], autocommit=True)
        copy = S3ToRedshiftOperator(
            task_id="copy",
            schema=schema,
            table=staging_table(table),
            s3_bucket=sql["bucket"],
            s3_key=sql["key"],
            redshift_conn_id=conn_id,
            aws_conn_id=env.lake.aws_conn_id,
            copy_options=PARQUET_COPY_OPTIONS,
            method="APPEND",
        )
        merge = SQLExecuteQueryOperator(
            task_id="merge", conn_id=conn_id, sql=sql["merge"], autocommit=False, split_statements=False
        )
        prepare >> copy >> merge >> reconcile(sql["manifest"])
    return group
