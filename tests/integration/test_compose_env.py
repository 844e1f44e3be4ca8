"""The `compose` environment (config/environments/compose.yaml) as `make compose-demo` runs it, on this
machine instead of in containers: `make demo`'s four DAGs under `airflow dags test`, every Spark task
submitted to a standalone master and worker started here from pyspark (`spark-class`), the lake and the
landing zone on moto's S3 server through s3a://, and the warehouse in the real PostgreSQL. Only what
docker itself would add (images, networking, MinIO instead of moto) is not run here."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from spark_apps.sample_data import FaultRates, generate
from tests.integration.e2e_lake import dag_ids, run_dags
from tests.moto_s3 import aws_connection, fresh_bucket
from tests.ports import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.spark, pytest.mark.postgres]

BATCH = "2026-02-01"
# `make demo`'s DAGs of the retail and credit domains, one at a time (the lake is on S3: e2e_lake.ONE_AT_A_TIME)
DEMO_RUNS = (
    (("landing_to_raw", []),),
    (("retail_processing", []),),
    (("account_summary", ["--conf", '{"mode": "initial"}']),),
    (("processing_to_warehouse", []),),
)
AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def _spark_class(*args: str) -> list[str]:
    from pyspark.find_spark_home import _find_spark_home

    return [str(Path(_find_spark_home()) / "bin" / "spark-class"), *args]


def _master_state(ui_port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/json/", timeout=2) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def standalone(scratch) -> Iterator[dict]:
    """A Spark standalone master and one worker (2 cores), as the compose file's spark-master and
    spark-worker services run them, stopped at the end."""
    port, ui, worker_ui = free_port(), free_port(), free_port()
    env = {**os.environ, **AWS, "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_NO_DAEMONIZE": "1"}
    logs = scratch / "standalone"
    logs.mkdir()
    master_args = ["--host", "127.0.0.1", "--port", str(port), "--webui-port", str(ui)]
    master = subprocess.Popen(
        _spark_class("org.apache.spark.deploy.master.Master", *master_args),
        env=env,
        stdout=(logs / "master.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    worker_args = ["--cores", "2", "--memory", "2g", "--webui-port", str(worker_ui), "--work-dir", str(logs / "work")]
    worker = subprocess.Popen(
        _spark_class("org.apache.spark.deploy.worker.Worker", f"spark://127.0.0.1:{port}", *worker_args),
        env=env,
        stdout=(logs / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.time() + 120
        while True:
            try:
                if any(w["state"] == "ALIVE" for w in _master_state(ui)["workers"]):
                    break
            except OSError:
                pass
            assert time.time() < deadline, (logs / "master.log").read_text()[-3000:]
            time.sleep(1)
        yield {"url": f"spark://127.0.0.1:{port}", "port": port, "ui": ui}
    finally:
        for proc in (worker, master):
            proc.terminate()
            proc.wait(timeout=60)


@pytest.fixture(scope="module")
def compose_run(standalone, moto_endpoint, postgres_db, scratch, airflow_home) -> dict:
    # given: the demo's generated landing files of every source in a bucket, where `make compose-demo`
    # mirrors them (a source with no folder would keep its sensor waiting, as on MinIO)
    client, bucket = fresh_bucket(moto_endpoint)
    local = scratch / "compose-landing"
    summary = generate(
        local, BATCH, 30, 200, seed=3, faults=FaultRates(), accounts=6, months=4, bank_customers=5, app_users=5
    )
    for path in sorted(p for p in local.rglob("*") if p.is_file()):
        client.upload_file(str(path), bucket, f"lake/landing/{path.relative_to(local).as_posix()}")
    # and the compose environment, with the connections docker-compose.yaml defines pointed at the
    # servers started here
    env = {
        **os.environ,
        **AWS,
        "AIRFLOW_HOME": str(airflow_home),
        "PIPELINE_ENV": "compose",
        "LAKE_BUCKET": bucket,
        "PIPELINE_S3_ENDPOINT": moto_endpoint,
        "AIRFLOW_CONN_AWS_LAKE": aws_connection(moto_endpoint),
        "AIRFLOW_CONN_SPARK_STANDALONE": json.dumps(
            {"conn_type": "spark", "host": "spark://127.0.0.1", "port": standalone["port"]}
        ),
        "AIRFLOW_CONN_WAREHOUSE_POSTGRES": postgres_db,
    }

    # when: the demo's DAGs run in order
    logs = run_dags(env, BATCH, scratch / "compose", DEMO_RUNS)

    keys = {
        o["Key"]
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for o in page.get("Contents", [])
    }
    return {"logs": logs, "summary": summary, "keys": keys, "bucket": bucket}


def test_every_spark_task_was_submitted_to_the_standalone_master(compose_run, standalone):
    # then every spark-submit the DAGs ran named the standalone master
    submits = [line for log in compose_run["logs"].values() for line in log.splitlines() if "Spark-Submit cmd:" in line]
    assert len(submits) >= len(dag_ids(DEMO_RUNS))
    assert all(f"--master {standalone['url']}" in s for s in submits), submits[0]
    # and the master ran them as applications, all finished
    state = _master_state(standalone["ui"])
    assert len(state["completedapps"]) >= len(submits)
    assert {app["state"] for app in state["completedapps"]} == {"FINISHED"}


def test_the_lake_is_on_the_bucket_through_s3a(compose_run):
    # then the Iceberg tables' metadata and data are objects in the bucket
    keys, raw = compose_run["keys"], "lake/warehouse/raw/transactions/"
    assert any(k.startswith(raw + "metadata/") for k in keys) and any(k.startswith(raw + "data/") for k in keys)
    assert any(k.startswith("lake/exports/fact_transactions/") for k in keys)


def test_the_warehouse_in_postgresql_holds_the_gold_tables_reconciled(compose_run, postgres_db):
    # then the loads reconciled, and PostgreSQL holds every landed transaction and account
    log = compose_run["logs"]["processing_to_warehouse"]
    loaded = dict(re.findall(r"WAREHOUSE_RESULT table=(\w+) exported=\d+ matched_in_warehouse=(\d+)", log))
    assert {"dim_customer", "fact_transactions", "latest_summary"} <= set(loaded)
    summary = compose_run["summary"]
    with psycopg.connect(postgres_db) as con:
        facts = con.execute("SELECT count(*) FROM analytics.fact_transactions").fetchone()
        accounts = con.execute("SELECT count(*) FROM analytics.latest_summary").fetchone()
    assert facts == (summary.rows["transactions"],)
    assert accounts == (6,)
