"""The raw quality gate under `airflow dags test`: a batch quarantining more than its source's
max_quarantine_rate fails the ingest task after committing it (rows in raw and quarantine, the file in
the manifest), names the rule, share and limit, writes its results and report, records the failure in
the run log and alerts by email and webhook (real local servers); the corrected batch, within the
threshold, passes, quarantines its one bad row under the rule's name and logs its counts."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.alert_servers import SmtpServer, WebhookServer

pytestmark = [pytest.mark.e2e, pytest.mark.spark]

AIRFLOW = str(Path(sys.executable).parent / "airflow")
BATCH = "2026-03-01"
HEADER = "customer_id,first_name,last_name,email,country,territory,signup_date\n"


def customers_csv(bad_emails: int, rows: int = 10) -> str:
    lines = [
        f"{i},Ana,Silva,{'ana' + str(i) + ('_at_example.com' if i <= bad_emails else '@example.com')},US,"
        f"North America,2025-06-0{1 + i % 9}\n"
        for i in range(1, rows + 1)
    ]
    return HEADER + "".join(lines)


@pytest.fixture(scope="module")
def alert_sinks():
    """The test environment's alert channels (config/environments/test.yaml), as real servers."""
    smtp, webhook = SmtpServer(), WebhookServer()
    yield smtp, webhook
    smtp.close()
    webhook.close()


@pytest.fixture(scope="module")
def gate_lake(scratch, spark, airflow_home, alert_sinks):
    lake = scratch / "gate-lake"
    smtp, webhook = alert_sinks
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(airflow_home),
        "PIPELINE_LAKE_ROOT": str(lake),
        "AIRFLOW_CONN_SMTP_ALERTS_TEST": smtp.connection(),
        "AIRFLOW_CONN_ALERTS_WEBHOOK_TEST": webhook.connection(),
    }
    spark.conf.set("spark.sql.catalog.gate", "org.apache.iceberg.spark.SparkCatalog")
    spark.conf.set("spark.sql.catalog.gate.type", "hadoop")
    spark.conf.set("spark.sql.catalog.gate.cache-enabled", "false")  # written by other processes
    spark.conf.set("spark.sql.catalog.gate.warehouse", str(lake / "warehouse"))
    return lake, env


def task_run(lake: Path, task_id: str) -> dict:
    (path,) = (lake / "ops" / "run_log" / "task_runs").glob(f"landing_to_raw/*/{task_id}.json")
    return json.loads(path.read_text())


def pipeline_runs(lake: Path, dag_id: str) -> list[dict]:
    paths = sorted((lake / "ops" / "run_log" / "pipeline_runs" / dag_id).glob("*.json"))
    return [json.loads(p.read_text()) for p in paths]


def land_and_run(lake: Path, env: dict, body: str) -> subprocess.CompletedProcess:
    folder = lake / "landing" / "customers" / BATCH
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "customers.csv").write_text(body)
    return subprocess.run(
        [AIRFLOW, "dags", "test", "landing_to_raw", BATCH], env=env, capture_output=True, text=True, timeout=900
    )


def test_a_batch_over_its_quarantine_rate_fails_after_committing_and_recording(gate_lake, spark, alert_sinks):
    lake, env = gate_lake
    # Given a customers batch where 3 of 10 emails are malformed (70 % < the raw layer's 90 %)
    proc = land_and_run(lake, env, customers_csv(bad_emails=3))
    log = proc.stdout + proc.stderr

    # Then the ingest task fails, naming the table, the quarantined share and the limit
    assert proc.returncode != 0
    assert (
        "raw.customers: rule max_quarantine_rate failed: 3 of 10 rows quarantined (30.00%) > max_quarantine_rate "
        "10.00%" in log
    )
    # the results were written, the rule's own pass rate among them, with the report the log links to
    result = (
        spark.table("gate.ops.quality_results")
        .where("table_name = 'raw.customers' AND check_name IN ('email_format', 'max_quarantine_rate')")
        .orderBy("check_name")
        .collect()
    )
    assert [(r["check_name"], r["status"], r["pass_rate"], r["rows_failed"], r["batch_id"]) for r in result] == [
        ("email_format", "failure", 0.7, 3, f"customers/{BATCH}"),
        ("max_quarantine_rate", "failure", 0.7, 3, f"customers/{BATCH}"),
    ]
    (report,) = re.findall(r"QUALITY_REPORT html=file://(\S+\.html)", log)
    assert 'data-table="raw.customers" data-pass-rate="0.7000"' in Path(report).read_text()
    # and nothing is lost: the batch is committed, 7 rows in raw, the 3 in quarantine under the rule's name
    assert spark.table("gate.raw.customers").count() == 7
    quarantined = spark.table("gate.quarantine.customers").orderBy("_line").collect()
    assert [(r["_line"], r["_failed_rules"]) for r in quarantined] == [(n, ["email_format"]) for n in (2, 3, 4)]
    (manifest,) = spark.table("gate.ops.ingest_manifest").collect()
    assert (manifest["rows_read"], manifest["rows_loaded"], manifest["rows_quarantined"], manifest["status"]) == (
        10,
        7,
        3,
        "partially_loaded",
    )

    # and the run log holds the failed try with the job's own message, and the DAG run as failed
    breach = "raw.customers: rule max_quarantine_rate failed: 3 of 10 rows quarantined (30.00%)"
    failed = task_run(lake, "ingest")
    assert (failed["status"], failed["try_number"], failed["app"], failed["dag_id"]) == (
        "failed",
        1,
        "ingest_raw",
        "landing_to_raw",
    )
    assert breach in failed["error"] and failed["error"].startswith("quality gate 'raw' failed")
    assert "/dags/landing_to_raw/runs/" in failed["log_url"] and "/tasks/ingest" in failed["log_url"]
    assert [(p["name"], p["status"], p["error"], p["rows_in"], p["rows_out"]) for p in failed["parts"]] == [
        ("customers", "failed", failed["error"], 10, 7)
    ]
    assert task_run(lake, "customers.validate_files")["status"] == "success"
    (dag_run,) = pipeline_runs(lake, "landing_to_raw")
    assert (dag_run["status"], dag_run["failed_tasks"]) == ("failed", ["ingest"])
    # and one alert went to each channel, carrying the error and the links
    smtp, webhook = alert_sinks
    ((path, alert),) = webhook.received
    assert (path, alert["kind"], alert["task_id"]) == ("/hooks/alerts", "quality_breach", "ingest")
    assert breach in alert["error"] and alert["log_url"] == failed["log_url"]
    assert alert["run_url"].endswith(
        f"/dags/landing_to_raw/runs/{failed['run_id'].replace(':', '%3A').replace('+', '%2B')}"
    )
    (mail,) = smtp.messages
    assert mail["Subject"] == alert["title"] and mail["To"] == "data-platform@example.com"


def test_the_corrected_batch_within_the_threshold_loads_and_quarantines_by_rule(gate_lake, spark):
    lake, env = gate_lake
    # Given the same batch re-delivered with one malformed email (90 %: at the threshold, a warning)
    proc = land_and_run(lake, env, customers_csv(bad_emails=1))

    # Then it passes, and rows in = rows loaded + rows quarantined
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    assert f"batch=customers/{BATCH} files=1" in proc.stdout + proc.stderr
    assert spark.table("gate.raw.customers").count() == 9
    (bad,) = spark.table("gate.quarantine.customers").collect()
    assert (bad["_line"], bad["_failed_rules"]) == (2, ["email_format"])
    assert bad["_reasons"] == [r"email_format: expected email matches ^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"]
    (manifest,) = spark.table("gate.ops.ingest_manifest").collect()
    assert (manifest["rows_read"], manifest["rows_loaded"], manifest["rows_quarantined"]) == (10, 9, 1)
    latest = spark.table("gate.ops.quality_results").where("check_name = 'email_format'").orderBy("checked_at")
    assert [r["status"] for r in latest.collect()] == ["failure", "warning"]
    # and the run log has this run's counts from the job, and the DAG run as a success
    runs = [
        json.loads(p.read_text()) for p in (lake / "ops" / "run_log" / "task_runs").glob("landing_to_raw/*/ingest.json")
    ]
    (passed,) = [r for r in runs if r["status"] == "success"]
    assert (passed["rows_in"], passed["rows_out"], passed["rows_quarantined"], passed["error"]) == (10, 9, 1, None)
    assert [(p["name"], p["rows_in"], p["rows_out"], p["rows_quarantined"]) for p in passed["parts"]] == [
        ("customers", 10, 9, 1)
    ]
    assert [r["status"] for r in pipeline_runs(lake, "landing_to_raw")].count("success") == 1
