"""The whole path with the landing zone and the lake on S3 (moto's S3 server over real HTTP), under
`airflow dags test` in environment `test_s3`: the S3 sensor waits on each batch folder, bad files move to
the quarantine prefix, Spark reads the landed files and writes Iceberg tables through s3a://, the gold
tables are exported to S3 and loaded into the DuckDB warehouse, and every batch conserves its rows."""

from __future__ import annotations

import json
import os
import re

import duckdb
import pytest

from spark_apps.sample_data import FaultRates, generate
from tests.integration.e2e_lake import ONE_AT_A_TIME, run_dags
from tests.moto_s3 import aws_connection, fresh_bucket

pytestmark = [pytest.mark.e2e, pytest.mark.spark]

BATCH = "2026-02-01"


@pytest.fixture(scope="module")
def s3_lake(moto_endpoint, scratch, spark, airflow_home) -> dict:
    # given: a bucket whose landing zone holds a generated batch of every source and one empty file
    client, bucket = fresh_bucket(moto_endpoint)
    local = scratch / "s3-landing"
    summary = generate(
        local,
        BATCH,
        60,
        400,
        seed=11,
        faults=FaultRates.uniform(0.02),
        accounts=8,
        months=6,
        bank_customers=12,
        app_users=10,
    )
    for path in sorted(p for p in local.rglob("*") if p.is_file()):
        client.upload_file(str(path), bucket, f"lake/landing/{path.relative_to(local).as_posix()}")
    client.put_object(Bucket=bucket, Key=f"lake/landing/customers/{BATCH}/customers_empty.csv", Body=b"")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(airflow_home),
        "PIPELINE_ENV": "test_s3",
        "PIPELINE_S3_BUCKET": bucket,
        "PIPELINE_S3_ENDPOINT": moto_endpoint,
        "PIPELINE_S3_SSL": "false",
        "PIPELINE_WAREHOUSE_PATH": str(scratch / "s3-warehouse.duckdb"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AIRFLOW_CONN_AWS_LAKE": aws_connection(moto_endpoint),
    }

    # when: the DAGs run one at a time, in order
    logs = run_dags(env, BATCH, scratch / "s3", ONE_AT_A_TIME)

    # and this session reads the same tables through s3a
    hadoop = spark.sparkContext._jsc.hadoopConfiguration()
    for key, value in {
        "fs.s3a.endpoint": moto_endpoint,
        "fs.s3a.path.style.access": "true",
        "fs.s3a.connection.ssl.enabled": "false",
        "fs.s3a.access.key": "testing",
        "fs.s3a.secret.key": "testing",
    }.items():
        hadoop.set(key, value)
    spark.conf.set("spark.sql.catalog.s3lake", "org.apache.iceberg.spark.SparkCatalog")
    spark.conf.set("spark.sql.catalog.s3lake.type", "hadoop")
    spark.conf.set("spark.sql.catalog.s3lake.cache-enabled", "false")
    spark.conf.set("spark.sql.catalog.s3lake.warehouse", f"s3a://{bucket}/lake/warehouse")
    keys = {
        o["Key"]
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for o in page.get("Contents", [])
    }
    return {"client": client, "bucket": bucket, "summary": summary, "logs": logs, "env": env, "keys": keys}


def task_log(log: str, task_id: str) -> str:
    """What `airflow dags test` printed between a task's start and end markers."""
    found = re.search(
        rf"\[DAG TEST\] starting task_id={re.escape(task_id)} .*?\[DAG TEST\] end task task_id={re.escape(task_id)} ",
        log,
        re.S,
    )
    assert found, f"no run of {task_id} in the log"
    return found.group(0)


def test_the_sensor_poked_each_batch_folder_on_s3_and_succeeded(s3_lake):
    log, bucket = s3_lake["logs"]["landing_to_raw"], s3_lake["bucket"]
    for source in s3_lake["summary"].rows:
        sensor = task_log(log, f"{source}.wait_for_files")

        assert f"Poking for key : s3://{bucket}/lake/landing/{source}/{BATCH}/*" in sensor
        assert "new_state=success" in sensor
        # and validation ran only after it
        assert log.index(f"starting task_id={source}.validate_files") > log.index(sensor)


def test_a_bad_file_moved_to_the_quarantine_prefix_with_its_reason(s3_lake):
    client, bucket, keys = s3_lake["client"], s3_lake["bucket"], s3_lake["keys"]
    quarantine = f"lake/quarantine/files/customers/{BATCH}"

    assert f"lake/landing/customers/{BATCH}/customers_empty.csv" not in keys
    assert f"{quarantine}/customers_empty.csv" in keys
    reason = json.loads(client.get_object(Bucket=bucket, Key=f"{quarantine}/reason.json")["Body"].read())
    assert [(f["file"], f["reason"]) for f in reason["files"]] == [("customers_empty.csv", "empty file")]


def test_every_batch_conserves_its_rows_through_s3a(s3_lake, spark):
    summary, log = s3_lake["summary"], s3_lake["logs"]["landing_to_raw"]
    results = {
        m["source"]: m
        for m in (
            dict(kv.split("=", 1) for kv in line.split())
            for line in re.findall(r"INGEST_RESULT (source=.*? rows_quarantined=\d+)", log)
        )
    }
    assert sorted(results) == sorted(summary.rows)
    for source, landed in summary.rows.items():
        r = results[source]
        bad = summary.quarantine_expected.get(source, 0)
        # rows in = rows loaded + rows quarantined, and the tables on S3 hold exactly those rows
        assert (int(r["rows_read"]), int(r["rows_loaded"]), int(r["rows_quarantined"])) == (landed, landed - bad, bad)
        assert spark.table(f"s3lake.raw.{source}").count() == landed - bad, source
        assert spark.table(f"s3lake.quarantine.{source}").count() == bad, source
    assert any(k.startswith("lake/warehouse/raw/customers/metadata/") for k in s3_lake["keys"])


def test_the_gold_tables_were_exported_to_s3_and_loaded_into_the_warehouse(s3_lake, spark):
    fact = spark.table("s3lake.curated.fact_transactions")
    exports = {k.split("/")[2] for k in s3_lake["keys"] if k.startswith("lake/exports/") and k.endswith(".parquet")}

    assert {"fact_transactions", "dim_customer", "latest_summary"} <= exports
    with duckdb.connect(s3_lake["env"]["PIPELINE_WAREHOUSE_PATH"], read_only=True) as con:
        rows, net = con.execute("select count(*), sum(net_amount) from analytics.fact_transactions").fetchone()
        accounts = con.execute("select count(*) from analytics.latest_summary").fetchone()[0]
    assert (rows, net) == (fact.count(), fact.agg({"net_amount": "sum"}).first()[0])
    assert rows == spark.table("s3lake.raw.transactions").count() > 0
    assert accounts == 8
    assert "WAREHOUSE_RESULT table=fact_transactions" in s3_lake["logs"]["processing_to_warehouse"]
