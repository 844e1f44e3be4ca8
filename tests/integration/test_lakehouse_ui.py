"""The lakehouse pages of the Airflow UI, served by Airflow's own API server over the lake the DAGs wrote.

A real `airflow api-server` runs with the plugin folder and the e2e lake; requests log in through
Airflow's `/auth/token` (simple auth manager) like any API client, and Chromium opens the pages inside
Airflow's React UI with the session cookie. Every figure is compared with what Spark reads from the
same Iceberg tables.
"""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from spark_apps.config import load_env
from spark_apps.lineage import build_lineage
from spark_apps.pii import REDACTED
from tests.browser import DevTools, count_colour
from tests.integration.e2e_lake import AIRFLOW, BATCH_DATE, ingest_parts_by_source, zone_tables
from tests.ports import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.spark]

VIEWER, PASSWORD = "viewer", "viewer-password"
JWT_SECRET = "lakehouse-ui-test-secret"
PII = ("first_name", "last_name", "email")


@pytest.fixture(scope="module")
def server(e2e, tmp_path_factory):
    """`airflow api-server` on a free port, reading the e2e lake; one viewer user."""
    home = tmp_path_factory.mktemp("api-server")
    passwords = home / "passwords.json"
    passwords.write_text(json.dumps({VIEWER: PASSWORD}))
    port = free_port()
    env = {
        **e2e["env"],
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{VIEWER}:viewer",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__API_AUTH__JWT_SECRET": JWT_SECRET,
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}/",
    }
    log = (home / "api-server.log").open("w")
    proc = subprocess.Popen(
        [AIRFLOW, "api-server", "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/v2/monitor/health", timeout=2)
            break
        except (urllib.error.URLError, ConnectionError):
            assert proc.poll() is None, (home / "api-server.log").read_text()[-3000:]
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the API server did not start:\n" + (home / "api-server.log").read_text()[-3000:])
    yield base
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


@pytest.fixture(scope="module")
def token(server) -> str:
    """A viewer's JWT from Airflow's own login endpoint."""
    body = json.dumps({"username": VIEWER, "password": PASSWORD}).encode()
    request = urllib.request.Request(
        f"{server}/auth/token", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    return json.loads(urllib.request.urlopen(request, timeout=30).read())["access_token"]


def call(server: str, path: str, token: str | None = None, method: str = "GET") -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(f"{server}{path}", headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def get_json(server: str, path: str, token: str) -> dict:
    status, body = call(server, path, token)
    assert status == 200, body
    return json.loads(body)


def masked(value: str | None) -> str | None:
    salt = load_env("test").pii.salt
    return None if value is None else hashlib.sha256((salt + value).encode()).hexdigest()


def test_pages_need_an_airflow_login_with_read_access_and_are_read_only(server, token, monkeypatch):
    # Given a token Airflow signed for a user without any role
    from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import SimpleAuthManager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", JWT_SECRET)
    roleless = SimpleAuthManager().generate_jwt(SimpleAuthManagerUser(username="nobody", role=None))

    # Then no credentials, a forged token or a role-less user are refused, on pages and JSON alike
    for path in ("/lakehouse/", "/lakehouse/api/tables", "/lakehouse/api/runs", "/lakehouse/tables/raw.customers"):
        assert call(server, path)[0] == 401, path
        assert call(server, path, "not-a-jwt")[0] == 403, path
        assert call(server, path, roleless)[0] == 403, path
        assert call(server, path, token)[0] == 200, path
    # and nothing can be changed through them
    assert call(server, "/lakehouse/api/tables", token, method="POST")[0] == 405
    assert call(server, "/lakehouse/api/tables/raw.no_such_table", token)[0] == 404


def test_catalog_counts_partitions_and_lineage_match_the_lake(server, token, spark):
    # When the catalog is asked for every table
    listed = {t["table"]: t for t in get_json(server, "/lakehouse/api/tables", token)["tables"]}

    # Then it lists exactly the lake's tables, each with Spark's row count and partition count
    tables = zone_tables(spark)
    assert sorted(listed) == tables
    for name in tables:
        spark.sql(f"REFRESH TABLE e2e.{name}")
        assert (listed[name]["rows"], listed[name]["rows_exact"]) == (spark.table(f"e2e.{name}").count(), True), name
        if listed[name]["partitioned_by"]:
            partitions = spark.sql(f"SELECT count(*) FROM e2e.{name}.partitions").first()[0]
            assert listed[name]["partition_count"] == partitions, name
    # and lineage as the configs state it
    lineage = build_lineage()
    for name in tables:
        assert (listed[name]["upstream"], listed[name]["downstream"]) == (
            lineage.upstream(name),
            lineage.downstream(name),
        ), name
    assert listed["raw.customers"]["upstream"] == ["landing/customers"]
    assert listed["curated.fact_transactions"]["partitioned_by"] == ["month(transaction_date)"]
    assert "warehouse.fact_transactions" in listed["curated.fact_transactions"]["downstream"]


def test_table_detail_lists_each_partition_with_its_rows(server, token, spark):
    raw = get_json(server, "/lakehouse/api/tables/raw.transactions", token)
    summary = get_json(server, "/lakehouse/api/tables/curated.account_summary", token)

    assert raw["partitions"] == [
        {
            "partition": {"_ingest_date": BATCH_DATE},
            "rows": spark.table("e2e.raw.transactions").count(),
            "files": raw["partitions"][0]["files"],
            "last_updated": raw["partitions"][0]["last_updated"],
        }
    ]
    per_month = {
        r["report_month"]: r["n"]
        for r in spark.sql("SELECT report_month, count(*) AS n FROM e2e.curated.account_summary GROUP BY 1").collect()
    }
    assert {p["partition"]["report_month"]: p["rows"] for p in summary["partitions"]} == per_month
    assert {c["name"] for c in summary["columns"]} == set(spark.table("e2e.curated.account_summary").columns)


def test_preview_masks_pii_exactly_as_exports_do(server, token, spark):
    # When the first rows of raw.customers are previewed
    preview = get_json(server, "/lakehouse/api/tables/raw.customers/preview?limit=25", token)

    # Then PII columns hold the salted hash of the real value (what a masked export holds), nothing else
    real = {r["customer_id"]: r for r in spark.table("e2e.raw.customers").collect()}
    assert len(preview["rows"]) == 25
    assert sorted(preview["masked_columns"]) == sorted([*PII, "_extra"])  # undeclared columns too
    for row in preview["rows"]:
        source = real[row["customer_id"]]
        assert {c: row[c] for c in PII} == {c: masked(source[c]) for c in PII}
        assert (row["country"], row["signup_date"]) == (source["country"], source["signup_date"].isoformat())


def test_quarantine_samples_show_the_delivered_line_with_pii_masked(server, token, spark, e2e):
    # Given the quarantined customer rows as Spark reads them, and the delivered file's header
    real = {(r["_source_file"], r["_line"]): r for r in spark.table("e2e.quarantine.customers").collect()}
    landed = next((Path(e2e["lake"]) / "landing" / "customers" / BATCH_DATE).glob("*.csv"))
    header = landed.read_text().splitlines()[0].split(",")
    pii_at = [i for i, name in enumerate(header) if name in PII]

    # When they are previewed
    preview = get_json(server, f"/lakehouse/api/tables/quarantine.customers/preview?limit={len(real)}", token)

    # Then every row keeps its file, line and reasons, and its delivered line shows no PII value
    assert len(preview["rows"]) == len(real) > 0
    assert "_raw" in preview["masked_columns"]
    kinds = set()
    for row in preview["rows"]:
        source = real[(row["_source_file"], row["_line"])]
        assert row["_reasons"] == list(source["_reasons"])
        fields = next(csv.reader([source["_raw"]]))
        if len(fields) == len(header):
            # a well-formed line: PII fields are their hashes, every other field as delivered
            shown = next(csv.reader([row["_raw"]]))
            expected = [masked(f) if i in pii_at and f else f for i, f in enumerate(fields)]
            assert shown == expected
            kinds.add("fields masked")
        else:
            # a line whose fields cannot be told apart is redacted whole, saying why
            assert row["_raw"] == f"{REDACTED} ({len(fields)} fields where the header has {len(header)})"
            kinds.add("redacted")
        for i in pii_at:
            if i < len(fields) and len(fields[i]) > 3:
                assert fields[i] not in row["_raw"]
    assert "fields masked" in kinds  # the generator's bad customers are well-formed lines (id, date, email)


def test_quality_history_is_what_ops_quality_results_holds(server, token, spark):
    stored = spark.table("e2e.ops.quality_results").where("table_name = 'raw.customers'").collect()

    shown = get_json(server, "/lakehouse/api/quality?table=raw.customers", token)["results"]

    assert len(shown) == len(stored) > 0
    assert sorted((r["run_id"], r["check_name"], r["status"]) for r in shown) == sorted(
        (r["run_id"], r["check_name"], r["status"]) for r in stored
    )
    assert {r["pass_rate"] for r in shown if r["check_name"] == "email_format"} == {
        r["pass_rate"] for r in stored if r["check_name"] == "email_format"
    }


def test_recent_runs_come_from_the_run_log_newest_first(server, token, e2e):
    runs = get_json(server, "/lakehouse/api/runs?limit=50", token)["runs"]

    assert {"landing_to_raw", "retail_processing", "account_summary", "processing_to_warehouse"} <= {
        r["dag_id"] for r in runs
    }
    ended = [r["ended_at"] for r in runs]
    assert ended == sorted(ended, reverse=True)
    landing = next(r for r in runs if r["dag_id"] == "landing_to_raw")
    (ingest,) = [t for t in landing["tasks"] if t["task_id"] == "ingest"]
    summary = e2e["summary"]
    parts = ingest_parts_by_source(ingest, summary)
    assert parts["recorded"] == parts["expected"]
    landed, bad = sum(summary.rows.values()), sum(summary.quarantine_expected.values())
    assert (ingest["rows_in"], ingest["rows_out"], ingest["rows_quarantined"]) == (landed, landed - bad, bad)


def test_pages_render_in_chromium_inside_the_airflow_ui(server, token, spark):
    tables = zone_tables(spark)
    gated = {r["table_name"] for r in spark.table("e2e.ops.quality_results").select("table_name").collect()}

    with DevTools({"_token": token}, f"{server}/", size=(1300, 1000)) as browser:
        # Airflow's own UI shows the plugin's nav entry as a page framing the catalog
        assert browser.open(f"{server}/plugin/lakehouse") == 200
        frame = "document.querySelector('iframe')"
        for _ in range(120):
            rows = browser.send(
                "Runtime.evaluate",
                expression=f"{frame} && {frame}.contentDocument && "
                f"{frame}.contentDocument.querySelectorAll('#catalog tbody tr').length",
                returnByValue=True,
            )["result"].get("value")
            if rows:
                break
            time.sleep(0.5)
        assert rows == len(tables)
        src = browser.send("Runtime.evaluate", expression=f"{frame}.src", returnByValue=True)["result"]["value"]
        assert src == f"{server}/lakehouse/"

        # a table page: metadata, lineage links, partitions and the masked preview
        assert browser.open(f"{server}/lakehouse/tables/quarantine.customers") == 200
        dom = browser.dom()
        assert "_raw (masked)" in dom
        assert '<li><span class="muted">landing/customers</span></li>' in dom
        assert dom.count("<tr>", dom.index('id="preview"')) >= 2

        # quality history: one bar per gated table, drawn in the status colours
        assert browser.open(f"{server}/lakehouse/quality") == 200
        assert browser.dom().count('class="bar"') == len(gated)
        assert count_colour(browser.screenshot(), "#2e7d32") > 2000

        # recent runs, one block per DAG run
        assert browser.open(f"{server}/lakehouse/runs") == 200
        assert browser.dom().count('class="run"') >= 4
