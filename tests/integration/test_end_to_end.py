"""The whole path under `airflow dags test`: landing CSVs → raw → processing → DuckDB warehouse.

Runs Airflow's real CLI and operators (SparkSubmitOperator → spark-submit on local[2]) in its own
Airflow home and lake, then checks every zone against what the generator says it produced. The tests
marked BOTH_FORMATS run on the Iceberg lake (environment `test`) and on the Delta lake (`test_delta`),
built by the same DAGs from the same landed files.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from pyspark.sql import functions as F

from spark_apps.config import load_freshness_slas, load_warehouse_tables
from spark_apps.model_spec import load_domain
from tests.integration.e2e_lake import AIRFLOW, BATCH_DATE, RUNS, dag_ids, ingest_parts_by_source, zone_tables

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.e2e, pytest.mark.spark]


@pytest.fixture(scope="module")
def e2e(request) -> dict:
    """The e2e lake of a table format: Iceberg, or each format in turn for a test marked BOTH_FORMATS."""
    return request.getfixturevalue("e2e_delta" if getattr(request, "param", "iceberg") == "delta" else "e2e_iceberg")


# The tests that read the lake, re-load the warehouse from a Delta `changes` export and check freshness run
# on both formats. Iceberg only: the full_refresh rebuild, the PostgreSQL target and maintenance (their
# Delta forms are proved on tables of their own: tests/integration/test_table_io.py), which would add
# about 15 minutes of Delta DAG runs to the suite.
BOTH_FORMATS = pytest.mark.parametrize("e2e", ["iceberg", "delta"], indirect=True)


def table(spark, e2e: dict, name: str):
    """A table of the lake under test by ``<zone>.<table>``."""
    return spark.table(e2e["table"](name))


def count(spark, e2e: dict, name: str) -> int:
    return table(spark, e2e, name).count()


@BOTH_FORMATS
@pytest.mark.parametrize(
    "source",
    [
        "customers",
        "transactions",
        "products",
        "fiscal_calendar",
        "account_snapshots",
        "bank_customers",
        "bank_accounts",
        "app_events",
        "clickstream",
    ],
)
def test_raw_and_quarantine_hold_exactly_what_landed(e2e, spark, source):
    summary = e2e["summary"]
    expected_bad = summary.quarantine_expected.get(source, 0)

    assert count(spark, e2e, f"raw.{source}") == summary.rows[source] - expected_bad
    assert count(spark, e2e, f"quarantine.{source}") == expected_bad
    assert f"source={source} batch={source}/{BATCH_DATE}" in e2e["logs"]["landing_to_raw"]


@BOTH_FORMATS
def test_processing_has_one_row_per_key(e2e, spark):
    raw_tx = table(spark, e2e, "raw.transactions")
    raw_customers = table(spark, e2e, "raw.customers")

    # Repeated keys were quarantined at raw, so raw is already unique and the fact keeps every row.
    assert raw_tx.select("transaction_id").distinct().count() == raw_tx.count()
    assert count(spark, e2e, "curated.fact_transactions") == raw_tx.count()
    assert count(spark, e2e, "curated.dim_customer") == raw_customers.select("customer_id").distinct().count() + 1


@BOTH_FORMATS
def test_marts_reconcile_with_the_fact(e2e, spark):
    # Given the fact's own totals of sales, refunds (as positive amounts), fees and net amounts
    fact = (
        table(spark, e2e, "curated.fact_transactions")
        .selectExpr(
            "sum(CASE WHEN transaction_type = 'Sale' THEN amount ELSE 0 END) AS sales",
            "sum(CASE WHEN transaction_type = 'Refund' THEN -amount ELSE 0 END) AS refunds",
            "sum(restocking_fee) AS fees",
            "sum(net_amount) AS net",
            "count(*) AS n",
        )
        .first()
    )
    expected = (fact["sales"], fact["refunds"], fact["fees"], fact["net"], fact["n"])
    totals = "sum(sales_amount), sum(refund_amount), sum(restocking_fees), sum(net_amount), sum(transactions)"

    # Then every mart that covers all transactions adds up to exactly the same figures
    def mart_totals(mart: str, where: str = "true") -> tuple:
        return tuple(table(spark, e2e, f"marts.{mart}").where(where).selectExpr(*totals.split(", ")).first())

    assert fact["sales"] > 0 and fact["refunds"] > 0 and fact["fees"] > 0
    assert mart_totals("monthly_summary") == expected
    assert mart_totals("regional_performance") == expected
    for period in ("week", "month", "quarter"):
        assert mart_totals("sales_by_fiscal_period", f"period_type = '{period}'") == expected, period
    segments = table(spark, e2e, "marts.customer_segments").selectExpr(
        "sum(total_spent)", "sum(sales_amount)", "sum(refund_amount)", "sum(transactions)"
    )
    assert tuple(segments.first()) == (fact["net"], fact["sales"], fact["refunds"], fact["n"])
    products = table(spark, e2e, "marts.product_performance").selectExpr("sum(revenue)", "sum(net_amount)").first()
    assert tuple(products) == (fact["sales"], fact["net"])
    assert count(spark, e2e, "marts.top_customers") == 10


def test_full_refresh_from_the_dag_param_rebuilds_identical_tables(e2e, spark):
    # Given the model the incremental run built
    tables = [m.name for m in load_domain("retail").models]

    def contents() -> dict[str, list]:
        return {t: sorted(map(repr, table(spark, e2e, t).collect())) for t in tables}

    before = contents()

    # When retail_processing is triggered with the UI param mode=full_refresh
    proc = subprocess.run(
        [AIRFLOW, "dags", "test", "retail_processing", BATCH_DATE, "-c", '{"mode": "full_refresh"}'],
        env=e2e["env"],
        capture_output=True,
        text=True,
        timeout=900,
    )

    # Then the job ran in that mode and every table holds exactly what it held
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-5000:]
    assert "--mode full_refresh" in proc.stdout + proc.stderr
    assert contents() == before


@BOTH_FORMATS
def test_transactions_without_a_known_customer_get_the_unknown_member(e2e, spark):
    fact = table(spark, e2e, "curated.fact_transactions")
    known = table(spark, e2e, "raw.customers").select("customer_id")

    unknown_keys = fact.where("customer_key = -1")
    without_customer = fact.join(known, "customer_id", "left_anti")

    # Injected orphans plus transactions of customers whose own rows were quarantined: none dropped.
    assert unknown_keys.count() == without_customer.count()
    assert unknown_keys.count() >= e2e["summary"].faults["transactions.orphan_customer"] > 0


@BOTH_FORMATS
def test_warehouse_matches_processing(e2e, spark):
    fact = table(spark, e2e, "curated.fact_transactions")
    lake_sum = fact.agg({"net_amount": "sum"}).first()[0]
    tables = load_warehouse_tables().tables

    with duckdb.connect(e2e["warehouse"], read_only=True) as con:
        rows, net = con.execute("select count(*), sum(net_amount) from analytics.fact_transactions").fetchone()
        counts = {t: con.execute(f"select count(*) from analytics.{t}").fetchone()[0] for t in tables}
        history = con.execute("select balance_history from analytics.latest_summary limit 1").fetchone()[0]

    assert rows == fact.count()
    assert net == lake_sum
    # every gold table (dimensions, fact, marts, the account summary's latest state) holds the lake's rows
    assert counts == {t: count(spark, e2e, spec.source) for t, spec in tables.items()}
    assert len(json.loads(history)) == 36
    logs = e2e["logs"]["processing_to_warehouse"]
    assert "WAREHOUSE_RESULT table=fact_transactions" in logs
    assert re.search(r"EXPORT_RESULT table=fact_transactions rows=\d+ export=full", logs)


def test_every_known_account_joins_its_current_customer_in_the_warehouse(e2e, spark):
    # Given the customers raw accepted (the rest were quarantined, so their accounts have no known customer)
    known = {r.customer_id for r in table(spark, e2e, "raw.customers").select("customer_id").collect()}

    # When a user joins the account summary's latest state to the customer dimension on its customer id
    with duckdb.connect(e2e["warehouse"], read_only=True) as con:
        rows = con.execute(
            "select s.account_key, s.customer_id, count(d.customer_key) from analytics.latest_summary s "
            "left join analytics.dim_customer d on d.customer_id = s.customer_id and d.is_current "
            "group by s.account_key, s.customer_id"
        ).fetchall()

    # Then every account of a known customer matches exactly one current row, and only those do
    assert rows and {matches for _, cid, matches in rows if cid in known} == {1}
    assert {matches for _, cid, matches in rows if cid not in known} <= {0}


@BOTH_FORMATS
def test_rerunning_the_warehouse_load_changes_nothing(e2e):
    with duckdb.connect(e2e["warehouse"], read_only=True) as con:
        before = con.execute("select count(*), sum(net_amount) from analytics.fact_transactions").fetchone()

    proc = subprocess.run(
        [AIRFLOW, "dags", "test", "processing_to_warehouse", BATCH_DATE],
        env=e2e["env"],
        capture_output=True,
        text=True,
        timeout=900,
    )

    assert proc.returncode == 0, proc.stdout[-3000:]
    with duckdb.connect(e2e["warehouse"], read_only=True) as con:
        after = con.execute("select count(*), sum(net_amount) from analytics.fact_transactions").fetchone()
    assert after == before
    # the fact is exported as changes since the version the warehouse loaded: none
    assert "EXPORT_RESULT table=fact_transactions rows=0 export=changes" in proc.stdout + proc.stderr


@BOTH_FORMATS
def test_account_summary_from_landed_csv_equals_the_oracle(e2e, spark):
    # Given the snapshots the generator landed (every version, late corrections included)
    from spark_apps.config import load_summary_config
    from spark_apps.sample_data import account_snapshots
    from tests.account_summary_helpers import comparable
    from tests.account_summary_oracle import expected_summary

    cfg = load_summary_config()
    landed = [s.values for s in account_snapshots(40, 14, first_month="2024-12", seed=5)]
    expected, latest = expected_summary(landed, cfg)

    # Then the initial run through landing → raw → account_summary built exactly the oracle's arrays
    assert comparable(table(spark, e2e, "curated.account_summary"), cfg) == expected
    assert comparable(table(spark, e2e, "curated.latest_summary"), cfg) == {
        (a, r["report_month"]): r for a, r in latest.items()
    }
    assert "SUMMARY_RESULT mode=initial" in e2e["logs"]["account_summary"]


def test_the_same_dag_loads_postgresql_when_the_config_says_so(e2e, spark, postgres_db):
    # Given the environment switched to the postgres target (a config value, no code change)
    import psycopg

    env = {**e2e["env"], "PIPELINE_WAREHOUSE_TARGET": "postgres", "AIRFLOW_CONN_WAREHOUSE_TEST": postgres_db}
    with psycopg.connect(postgres_db, autocommit=True) as con:
        con.execute("DROP SCHEMA IF EXISTS analytics CASCADE")  # the database is shared by the session's tests

    # When processing_to_warehouse runs twice under `airflow dags test`
    for _ in range(2):
        proc = subprocess.run(
            [AIRFLOW, "dags", "test", "processing_to_warehouse", BATCH_DATE],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-5000:]

    # Then PostgreSQL holds exactly the lake's fact and dimension, once
    fact = table(spark, e2e, "curated.fact_transactions")
    with psycopg.connect(postgres_db) as con:
        rows, net = con.execute("select count(*), sum(net_amount) from analytics.fact_transactions").fetchone()
        dims = con.execute("select count(*) from analytics.dim_customer").fetchone()[0]
        segments = con.execute("select count(*) from analytics.customer_segments").fetchone()[0]
    assert (rows, net) == (fact.count(), fact.agg({"net_amount": "sum"}).first()[0])
    assert dims == count(spark, e2e, "curated.dim_customer")
    assert segments == count(spark, e2e, "marts.customer_segments")
    assert "WAREHOUSE_RESULT table=fact_transactions" in proc.stdout + proc.stderr


@BOTH_FORMATS
def test_raw_gate_quarantines_bad_emails_under_the_rule_name(e2e, spark):
    # Given the customers whose email the generator broke (contract-valid, so only a quality rule sees it)
    bad = e2e["summary"].faults["customers.bad_email"]
    flagged = table(spark, e2e, "quarantine.customers").where("array_contains(_failed_rules, 'email_format')")

    # Then exactly those rows were split off at raw, each with the rule's name and what it expects
    assert flagged.count() == bad > 0
    reasons = {reason for (rs,) in flagged.select("_reasons").collect() for reason in rs}
    assert reasons == {r"email_format: expected email matches ^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"}


@BOTH_FORMATS
def test_every_layer_is_gated_recorded_and_reported(e2e, spark):
    # Given the results of the raw gates (at ingest) and the processing + marts gate (after the build)
    results = table(spark, e2e, "ops.quality_results")
    tables = {(r["layer"], r["table_name"]) for r in results.select("layer", "table_name").distinct().collect()}
    assert {t for layer, t in tables if layer == "raw"} == {
        "raw.customers",
        "raw.transactions",
        "raw.products",
        "raw.fiscal_calendar",
        "raw.account_snapshots",
        "raw.bank_customers",
        "raw.bank_accounts",
        "raw.app_events",
        "raw.clickstream",
    }
    assert {t for layer, t in tables if layer == "processing"} == {
        "curated.fact_transactions",
        "curated.dim_customer",
        "curated.dim_product",
        "curated.dim_date",
        *("curated.dim_bank_customer", "curated.dim_bank_account", "curated.int_savings_accounts"),
        *("curated.stg_app_events", "curated.app_sessions", "curated.dim_app_user"),
    }
    # every mart is gated
    retail_marts = {m.name for m in load_domain("retail").models if m.zone == "marts"}
    domain_marts = {"marts.account_interest_summary", "marts.customer_profile", "marts.app_user_segments"}
    domain_marts |= {"marts.hourly_event_metrics", "marts.daily_event_summary", "marts.hourly_operational_metrics"}
    assert {t for layer, t in tables if layer == "marts"} == retail_marts | domain_marts
    # Then nothing breached, and the unknown-customer rule measured exactly the fact's unknown members
    assert results.where("status = 'failure'").count() == 0
    fact = table(spark, e2e, "curated.fact_transactions")
    unknown = fact.where("customer_key = -1").count()
    known = (
        results.where("table_name = 'curated.fact_transactions' AND check_name = 'customer_known'")
        .orderBy(F.col("checked_at").desc())
        .first()
    )
    assert (known["rows_failed"], known["rows_checked"], known["status"]) == (unknown, fact.count(), "warning")
    # the failing rows stay in the fact and are listed, with the rule, in the processing quarantine
    listed = table(spark, e2e, "quarantine.curated_fact_transactions")
    assert listed.where("array_contains(_failed_rules, 'customer_known')").count() == unknown
    # and each gate's task log links its HTML report, which exists and holds the charts
    for dag_id in ("landing_to_raw", "retail_processing", "banking_processing", "events_processing"):
        links = re.findall(r"QUALITY_REPORT html=file://(\S+\.html)", e2e["logs"][dag_id])
        assert links, dag_id
        page = Path(links[-1]).read_text()
        assert '<svg id="chart-pass-rate"' in page and "trend-rows-" in page
    # the raw report says how many rows the contract quarantined before its checks measured the rest
    (transactions,) = re.findall(
        r"QUALITY_REPORT html=file://(\S+/raw\.transactions\.html)", e2e["logs"]["landing_to_raw"]
    )
    landed, bad = e2e["summary"].rows["transactions"], e2e["summary"].quarantine_expected["transactions"]
    assert (
        f"{landed:,} rows read. The checks measure the {landed - bad:,} rows the source contract accepted; "
        f"{bad:,} rows failed the contract itself"
    ) in Path(transactions).read_text()


@BOTH_FORMATS
def test_the_run_log_records_every_task_and_dag_run_and_is_queryable(e2e):
    # Given the run log the lake's DAG runs (every domain's) left in it, queried as it stands (DuckDB over the JSON)
    log = e2e["lake"] / "ops" / "run_log"
    con = duckdb.connect()
    tasks = con.sql(
        f"select dag_id, task_id, status, app, rows_in, rows_out, rows_quarantined, try_number, error "
        f"from read_json_auto('{log}/task_runs/*/*/*.json', union_by_name = true)"
    ).fetchall()
    dags = con.sql(f"select dag_id, status from read_json_auto('{log}/pipeline_runs/*/*.json')").fetchall()

    # Then every DAG run (the tests above re-ran some) succeeded, and every task try on record too
    assert {d for d, _ in dags} == set(dag_ids(RUNS))
    assert {status for _, status in dags} == {"success"}
    by_task = {
        (d, t): (status, app, rows_in, rows_out, rows_q, tries, error)
        for d, t, status, app, rows_in, rows_out, rows_q, tries, error in tasks
    }
    assert {k: v for k, v in by_task.items() if (v[0], v[5], v[6]) != ("success", 1, None)} == {}
    assert ("retail_processing", "quality_gate") in by_task and (
        "landing_to_raw",
        "customers.validate_files",
    ) in by_task
    # and the batch's one ingest recorded each source's counts, from the job itself: the conservation figures
    assert by_task[("landing_to_raw", "ingest")][1] == "ingest_raw"
    (ingest,) = [json.loads(p.read_text()) for p in log.glob("task_runs/landing_to_raw/*/ingest.json")]
    parts = ingest_parts_by_source(ingest, e2e["summary"])
    assert parts["recorded"] == parts["expected"]


def run_dag(e2e: dict, dag_id: str) -> subprocess.CompletedProcess:
    """``airflow dags test`` of one DAG on the e2e lake."""
    cmd = [AIRFLOW, "dags", "test", dag_id, BATCH_DATE]
    return subprocess.run(cmd, env=e2e["env"], capture_output=True, text=True, timeout=900)


@BOTH_FORMATS
def test_every_table_is_within_its_freshness_sla_after_the_runs(e2e):
    # When freshness_sla checks config/freshness.yaml against the lake the runs above just wrote
    proc = run_dag(e2e, "freshness_sla")
    log = proc.stdout + proc.stderr

    # Then it passes, with one fresh result per table of the config
    assert proc.returncode == 0, log[-5000:]
    results = dict(re.findall(r"FRESHNESS_RESULT table=(\S+) status=(\w+)", log))
    assert results == dict.fromkeys(load_freshness_slas().tables, "fresh")


# What each documented query must print, by the table it reads.
SNIPPET_RESULTS = {"analytics.fact_transactions": r"\bSale\b", "ops/run_log/task_runs": r"\blanding_to_raw\b"}


def documented_query_snippets() -> dict[str, str]:
    """The Python snippets of the README and docs that query a lake and warehouse `make demo` wrote, by
    where they are (``docs/running.md#1``)."""
    found = {}
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        blocks = re.findall(r"```bash\n(.*?)```", page.read_text(encoding="utf-8"), re.S)
        queries = [b for b in blocks if b.startswith(".venv/bin/python")]
        found |= {f"{page.relative_to(ROOT)}#{n}": b for n, b in enumerate(queries, 1)}
    return found


SNIPPETS = documented_query_snippets()


def test_every_documented_query_snippet_has_an_expected_result():
    assert sorted(next(t for t in SNIPPET_RESULTS if t in s) for s in SNIPPETS.values()) == sorted(SNIPPET_RESULTS)


@pytest.mark.parametrize("where", sorted(SNIPPETS))
def test_the_documented_query_snippets_run_as_pasted_on_a_lake_the_dags_wrote(e2e, where):
    # given the snippet as a user pastes it, pointed at the e2e lake and warehouse instead of data/
    snippet = SNIPPETS[where]
    expected = next(pattern for table, pattern in SNIPPET_RESULTS.items() if table in snippet)
    script = (
        snippet.replace(".venv/bin/python", sys.executable)
        .replace("data/warehouse/lakehouse.duckdb", e2e["warehouse"])
        .replace("data/lake", str(e2e["lake"]))
    )

    # when bash runs it
    proc = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)

    # then it prints a result table with the rows it asks for
    assert proc.returncode == 0, proc.stderr
    assert re.search(expected, proc.stdout), proc.stdout


def test_maintenance_keeps_every_row_and_the_warehouse_still_loads(e2e, spark):
    # Given every table of the e2e lake after all the runs above (this test runs last: it expires history)
    tables = zone_tables(spark, e2e)
    before = {t: count(spark, e2e, t) for t in tables}

    # When lakehouse_maintenance runs (test policy: expire all but the newest version; batches are recent)
    proc = run_dag(e2e, "lakehouse_maintenance")
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-5000:]

    # Then every table was maintained and holds exactly the rows it held; Iceberg keeps one version
    # (Delta's VACUUM removes unreferenced files; its history stays until the log retention)
    catalog = re.escape(e2e["catalog"])
    results = dict(re.findall(rf"MAINTENANCE_RESULT table={catalog}\.(\S+) (files_before=.*?rows_deleted=\d+)", log))
    assert sorted(results) == tables
    assert {t: r for t, r in results.items() if "rows_deleted=0" not in r} == {}
    if e2e["format"] == "iceberg":
        # one version each, but none for a table never written: a clean table's listing, created empty
        never_written = {t for t, r in results.items() if "versions_before=0 " in r}
        assert {t: r for t, r in results.items() if t not in never_written and "versions_after=1 " not in r} == {}
        assert {t: r for t, r in results.items() if t in never_written and "versions_after=0 " not in r} == {}
        assert {t for t in never_written if not t.startswith("quarantine.") or before[t] != 0} == set()
        for t in tables:
            spark.sql(f"REFRESH TABLE e2e.{t}")
    assert {t: count(spark, e2e, t) for t in tables} == before
    # and the next warehouse load, whose base version was expired, falls back to a full export and matches
    again = run_dag(e2e, "processing_to_warehouse")
    assert again.returncode == 0, (again.stdout + again.stderr)[-5000:]
    assert "table=fact_transactions" in again.stdout + again.stderr
    with duckdb.connect(e2e["warehouse"], read_only=True) as con:
        rows = con.execute("select count(*) from analytics.fact_transactions").fetchone()[0]
    assert rows == before["curated.fact_transactions"]


@BOTH_FORMATS
def test_the_banking_domain_builds_from_its_declarations_alone(e2e, spark):
    # Given the bank customers and accounts the generator landed (with faults), through the generated DAG
    raw_accounts = table(spark, e2e, "raw.bank_accounts")
    customers = table(spark, e2e, "raw.bank_customers").select("customer_id")
    open_savings = raw_accounts.where("account_type = 'savings' AND status = 'active'")
    interest = table(spark, e2e, "marts.account_interest_summary")

    # Then every open savings account earns its balance band's rate, exactly
    assert interest.count() == open_savings.count() > 0
    wrong = interest.where(
        "interest_rate_pct != CASE WHEN original_balance_amount < 10000 THEN 3.50 ELSE 4.00 END"
        " OR annual_interest_amount != ROUND(original_balance_amount * interest_rate_pct / 100, 2)"
        " OR new_balance_amount != original_balance_amount + annual_interest_amount"
    )
    assert wrong.count() == 0
    # and each account has one version (one delivery), each customer one profile
    assert count(spark, e2e, "curated.dim_bank_account") == raw_accounts.count()
    assert count(spark, e2e, "marts.customer_profile") == customers.count()
    # and savings accounts of customers never delivered are kept, pointing to the unknown member
    orphans = open_savings.join(customers, "customer_id", "left_anti").count()
    unknown = table(spark, e2e, "curated.int_savings_accounts").where("customer_sk = -1").count()
    assert unknown == orphans
    assert "materialization=scd2" in e2e["logs"]["banking_processing"]


@BOTH_FORMATS
def test_the_events_domain_builds_from_its_declarations_alone(e2e, spark):
    # Given the app events and clickstream the generator landed (with faults), through the generated DAG
    summary = e2e["summary"]
    staged = table(spark, e2e, "curated.stg_app_events")
    raw_events = table(spark, e2e, "raw.app_events")

    # Then every raw event is staged once, and exactly the injected invalid ones are flagged
    assert staged.count() == raw_events.count() > 0
    invalid = summary.faults["app_events.unknown_type"] + summary.faults["app_events.no_user"]
    assert staged.where("NOT is_valid").count() == invalid > 0
    # and every session of the clickstream is built, with as many page views as its clicks
    clicks = table(spark, e2e, "raw.clickstream")
    sessions = table(spark, e2e, "curated.app_sessions")
    assert sessions.count() == clicks.select("session_id").distinct().count()
    assert sessions.agg(F.sum("page_views")).first()[0] == clicks.count()
    # and the daily KPIs add up to the valid events, new plus returning to the active users
    daily = table(spark, e2e, "marts.daily_event_summary")
    assert daily.agg(F.sum("events")).first()[0] == staged.where("is_valid").count()
    assert daily.where("new_users + returning_users != active_users").count() == 0
    # and every user with an event or a session is segmented once
    users = table(spark, e2e, "curated.dim_app_user")
    assert table(spark, e2e, "marts.app_user_segments").count() == users.count() > 0
    assert "materialization=partition_replace" in e2e["logs"]["events_processing"]
