"""Redshift loads (no Redshift here): the exact SQL and operator arguments, and the shared MERGE + guard
run by Airflow's SQLExecuteQueryOperator against the real PostgreSQL server."""

from __future__ import annotations

import json
import re

import psycopg
import pytest

from lakehouse.redshift_load import load_statements, redshift_load_group
from spark_apps.config import load_env

MANIFEST = {
    "table": "fact_transactions",
    "run_id": "scheduled__2026-01-01",
    "path": "s3://acme-lakehouse/prod/exports/fact_transactions/scheduled__2026-01-01",
    "rows": 2,
    "keys": ["transaction_id"],
    "measures": {"amount": "30.50", "restocking_fee": ""},
    "columns": ["transaction_id", "amount", "restocking_fee"],
    "copy_manifest": "s3a://acme-lakehouse/prod/exports/fact_transactions/scheduled__2026-01-01/_copy.manifest",
}
ROLE = "arn:aws:iam::123456789012:role/lakehouse-redshift-copy"


def squash(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip()


def test_load_sql_stages_in_export_order_copies_then_merges_and_guards_in_one_transaction():
    sql = load_statements(MANIFEST, "analytics", ROLE)

    assert sql["prepare"][0] == "CREATE SCHEMA IF NOT EXISTS analytics"
    assert "DISTKEY (customer_key)" in sql["prepare"][1]
    assert "COMPOUND SORTKEY (transaction_date, customer_key)" in sql["prepare"][1]
    assert sql["prepare"][2:] == [
        "DROP TABLE IF EXISTS analytics.stg_fact_transactions",
        "CREATE TABLE analytics.stg_fact_transactions AS "
        "SELECT transaction_id, amount, restocking_fee FROM analytics.fact_transactions WHERE 1 = 0",
    ]
    assert squash(sql["copy"][0]).endswith(
        "COPY analytics.stg_fact_transactions "
        "FROM 's3://acme-lakehouse/prod/exports/fact_transactions/scheduled__2026-01-01/_copy.manifest' "
        f"IAM_ROLE '{ROLE}' FORMAT AS PARQUET MANIFEST;"
    )
    assert squash(sql["merge"][0]).endswith(
        "MERGE INTO analytics.fact_transactions USING analytics.stg_fact_transactions AS s "
        "ON analytics.fact_transactions.transaction_id = s.transaction_id "
        "WHEN MATCHED THEN UPDATE SET amount = s.amount, restocking_fee = s.restocking_fee "
        "WHEN NOT MATCHED THEN INSERT (transaction_id, amount, restocking_fee) "
        "VALUES (s.transaction_id, s.amount, s.restocking_fee);"
    )
    assert sql["merge"][1] == (
        "SELECT 1 / CASE WHEN r.n = 2 AND COALESCE(r.sum_amount, 0) = 30.50 AND COALESCE(r.sum_restocking_fee, 0) = 0 "
        "THEN 1 ELSE 0 END AS reconciled FROM (SELECT COUNT(*) AS n, SUM(t.amount) AS sum_amount, "
        "SUM(t.restocking_fee) AS sum_restocking_fee FROM analytics.fact_transactions t "
        "JOIN analytics.stg_fact_transactions s ON t.transaction_id = s.transaction_id) r"
    )


@pytest.fixture
def prod_group(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_AWS_LAKE",
        '{"conn_type": "aws", "extra": {"role_arn": "arn:aws:iam::123456789012:role/copy", "region": "eu-west-1"}}',
    )
    from airflow.sdk import DAG

    with DAG("redshift_test", schedule=None) as dag:
        redshift_load_group(load_env("prod"), "fact_transactions")
    return dag


def test_group_runs_render_prepare_copy_merge_reconcile_with_the_configured_connections(prod_group):
    tasks = {t.task_id.split(".")[1]: t for t in prod_group.tasks}
    prepare, copy, merge = tasks["prepare"], tasks["copy"], tasks["merge"]

    assert sorted(tasks["prepare"].downstream_task_ids) == ["load_fact_transactions.copy"]
    assert sorted(copy.downstream_task_ids) == ["load_fact_transactions.merge"]
    assert sorted(merge.downstream_task_ids) == ["load_fact_transactions.reconcile"]
    assert (prepare.conn_id, prepare.autocommit) == ("redshift_default", True)
    assert (merge.conn_id, merge.autocommit, merge.split_statements) == ("redshift_default", False, False)
    # the COPY is rendered by render (not S3ToRedshiftOperator, which would add REGION) and autocommits into staging
    assert (type(copy).__name__, copy.conn_id, copy.autocommit) == ("SQLExecuteQueryOperator", "redshift_default", True)
    assert copy.sql == tasks["render"].output["copy"]


@pytest.mark.postgres
def test_merge_and_guard_commit_together_or_not_at_all(postgres_db, monkeypatch):
    """The merge task's SQL, run by SQLExecuteQueryOperator in one transaction on PostgreSQL (in a schema
    of its own: the session's database is shared with the other PostgreSQL tests)."""
    from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE_PG", postgres_db)
    with psycopg.connect(postgres_db, autocommit=True) as con:
        con.execute("DROP SCHEMA IF EXISTS redshift_guard CASCADE")
        con.execute("CREATE SCHEMA redshift_guard")
        con.execute(
            "CREATE TABLE redshift_guard.fact_transactions (transaction_id VARCHAR(64) PRIMARY KEY, "
            "amount DECIMAL(12,2), restocking_fee DECIMAL(12,2))"
        )
        con.execute("INSERT INTO redshift_guard.fact_transactions VALUES ('T1', 1.00, NULL)")
        con.execute(
            "CREATE TABLE redshift_guard.stg_fact_transactions AS SELECT * FROM redshift_guard.fact_transactions"
        )
        con.execute("TRUNCATE redshift_guard.stg_fact_transactions")
        con.execute("INSERT INTO redshift_guard.stg_fact_transactions VALUES ('T1', 10.25, NULL), ('T2', 20.25, NULL)")

    def run(manifest: dict) -> None:
        SQLExecuteQueryOperator(
            task_id="merge",
            conn_id="warehouse_pg",
            sql=load_statements(manifest, "redshift_guard", ROLE)["merge"],
            autocommit=False,
            split_statements=False,
        ).execute(context={})

    def contents() -> dict:
        with psycopg.connect(postgres_db) as con:
            return dict(con.execute("SELECT transaction_id, amount FROM redshift_guard.fact_transactions"))

    # A manifest that disagrees with staging: the guard fails, the MERGE is rolled back with it
    with pytest.raises(psycopg.errors.DivisionByZero):
        run({**MANIFEST, "measures": {"amount": "99.99", "restocking_fee": ""}})
    assert contents() == {"T1": pytest.approx(1.00)}

    # The true manifest: both rows land, once
    run(MANIFEST)
    run(MANIFEST)
    assert {k: float(v) for k, v in contents().items()} == {"T1": 10.25, "T2": 20.25}


def test_render_reads_the_manifest_from_s3_and_points_copy_at_the_export_prefix(s3, monkeypatch):
    # Given an export of fact_transactions for a run, on a real S3 API (moto server)
    client, bucket = s3
    monkeypatch.setenv("LAKE_BUCKET", bucket)
    key = "prod/exports/fact_transactions/manual__2026-01-01T00_00_00_00_00"
    client.put_object(Bucket=bucket, Key=f"{key}/_manifest.json", Body=json.dumps(MANIFEST).encode())
    from airflow.sdk import DAG

    with DAG("redshift_render", schedule=None) as dag:
        redshift_load_group(load_env("prod"), "fact_transactions")
    render = next(t for t in dag.tasks if t.task_id.endswith(".render"))

    # When the render task runs for that run id
    out = render.python_callable(run_id="manual__2026-01-01T00:00:00+00:00")

    # Then copy reads the export's COPY manifest, and the SQL carries the manifest's numbers
    assert (
        "FROM 's3://acme-lakehouse/prod/exports/fact_transactions/scheduled__2026-01-01/_copy.manifest'"
        in (out["copy"][0])
    )
    assert out["manifest"] == MANIFEST
    assert "r.n = 2 AND COALESCE(r.sum_amount, 0) = 30.50" in out["merge"][1]


def test_render_fails_clearly_when_the_export_is_missing(s3, monkeypatch):
    _, bucket = s3
    monkeypatch.setenv("LAKE_BUCKET", bucket)
    from airflow.sdk import DAG

    with DAG("redshift_missing", schedule=None) as dag:
        redshift_load_group(load_env("prod"), "dim_customer")
    render = next(t for t in dag.tasks if t.task_id.endswith(".render"))

    with pytest.raises(FileNotFoundError, match=f"export manifest missing: s3://{bucket}/prod/exports/dim_customer/"):
        render.python_callable(run_id="r1")


def test_a_full_export_deletes_what_it_lacks_before_the_merge_in_the_same_transaction():
    sql = load_statements({**MANIFEST, "export": "full"}, "analytics", ROLE)

    assert len(sql["merge"]) == 3
    assert squash(sql["merge"][0]).endswith(
        "DELETE FROM analytics.fact_transactions WHERE NOT EXISTS ( SELECT 1 FROM "
        "analytics.stg_fact_transactions AS s WHERE s.transaction_id = analytics.fact_transactions.transaction_id );"
    )
    assert squash(sql["merge"][1]).startswith("-- Staging + MERGE")
    assert sql["merge"][2].startswith("SELECT 1 / CASE WHEN r.n = 2")


def test_render_skips_a_table_that_was_not_exported_and_the_next_table_still_loads(s3, monkeypatch):
    # Given the export job skipped latest_summary (its lake table does not exist yet)
    from airflow.sdk import DAG
    from airflow.sdk.exceptions import AirflowSkipException

    client, bucket = s3
    monkeypatch.setenv("LAKE_BUCKET", bucket)
    key = "prod/exports/latest_summary/r1/_manifest.json"
    body = {"table": "latest_summary", "rows": 0, "skipped": "lake.curated.latest_summary does not exist yet"}
    client.put_object(Bucket=bucket, Key=key, Body=json.dumps(body).encode())
    with DAG("redshift_skip", schedule=None) as dag:
        redshift_load_group(load_env("prod"), "latest_summary")
    render = next(t for t in dag.tasks if t.task_id.endswith(".render"))

    # Then its render skips with the reason, and renders run even when the group before was skipped
    with pytest.raises(AirflowSkipException, match=r"latest_summary: lake\.curated\.latest_summary does not exist"):
        render.python_callable(run_id="r1")
    assert render.trigger_rule == "none_failed"


def test_an_export_without_a_copy_manifest_fails_clearly_instead_of_copying_the_whole_prefix():
    manifest = {k: v for k, v in MANIFEST.items() if k != "copy_manifest"}

    with pytest.raises(
        ValueError, match=r"fact_transactions: the export at s3://acme-lakehouse/\S+ has no COPY manifest"
    ):
        load_statements(manifest, "analytics", ROLE)
