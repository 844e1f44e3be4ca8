"""DAG integrity: every DAG imports cleanly and fast, carries its metadata, and runs nothing heavy at parse.

Parsing happens in a fresh interpreter so import-time side effects (pyspark, JVMs) are visible.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_DAGS = {
    "landing_to_raw",
    "retail_processing",
    "banking_processing",
    "events_processing",
    "processing_to_warehouse",
    "account_summary",
    "lakehouse_maintenance",
    "freshness_sla",
}

PARSE_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    sys.path.insert(0, sys.argv[1] + "/plugins")
    # Warm what the dag processor has loaded anyway, so each file is timed on its own merits.
    import airflow.sdk
    import airflow.providers.apache.spark.operators.spark_submit
    from airflow.dag_processing.dagbag import DagBag

    def names(callbacks):
        callbacks = callbacks if isinstance(callbacks, list) else [callbacks] if callbacks else []
        return [c.__name__ for c in callbacks]

    out = {"files": {}}
    for path in sorted((__import__("pathlib").Path(sys.argv[1]) / "dags").glob("*.py")):
        start = time.perf_counter()
        bag = DagBag(dag_folder=str(path))
        errors = {k: str(v) for k, v in bag.import_errors.items()}
        out["files"][path.name] = {"seconds": time.perf_counter() - start, "errors": errors}
    bag = DagBag(dag_folder=sys.argv[1] + "/dags")
    out["dags"] = {
        dag_id: {
            "tags": sorted(dag.tags),
            "tasks": {t.task_id: {"owner": t.owner, "retries": t.retries, "type": type(t).__name__,
                                  "outlets": [a.name for a in t.outlets],
                                  "inlets": [a.name for a in t.inlets],
                                  "downstream": sorted(t.downstream_task_ids),
                                  "trigger_rule": getattr(t.trigger_rule, "value", t.trigger_rule),
                                  "mode": getattr(t, "mode", None),
                                  "callbacks": names(t.on_success_callback) + names(t.on_failure_callback)}
                      for t in dag.tasks},
            "callbacks": names(dag.on_success_callback) + names(dag.on_failure_callback),
            "schedule_assets": sorted(
                a.name for a in getattr(getattr(dag.timetable, "asset_condition", None), "objects", [])
            ),
            "schedule_condition": type(getattr(dag.timetable, "asset_condition", None)).__name__,
            "params": sorted(dag.params.keys()),
            "timetable": type(dag.timetable).__name__,
            "cron": getattr(dag.timetable, "expression", None),
        }
        for dag_id, dag in bag.dags.items()
    }
    out["heavy_modules"] = sorted(m for m in ("pyspark", "py4j", "duckdb", "pandas") if m in sys.modules)
    print("RESULT" + json.dumps(out))
    """
)


def parse_dags(scratch: Path, env_name: str) -> dict:
    env = {**os.environ, "AIRFLOW_HOME": str(scratch / f"airflow-parse-{env_name}"), "PIPELINE_ENV": env_name}
    proc = subprocess.run(
        [sys.executable, "-c", PARSE_SCRIPT, str(ROOT)], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(line for line in proc.stdout.splitlines() if line.startswith("RESULT"))
    return json.loads(line.removeprefix("RESULT"))


@pytest.fixture(scope="module")
def parsed(scratch) -> dict:
    return parse_dags(scratch, "test")


def test_every_dag_file_imports_without_errors(parsed):
    assert {name: stats["errors"] for name, stats in parsed["files"].items() if stats["errors"]} == {}
    assert set(parsed["dags"]) == EXPECTED_DAGS


def test_every_dag_file_parses_in_under_a_second(parsed):
    slow = {name: round(s["seconds"], 3) for name, s in parsed["files"].items() if s["seconds"] >= 1.0}

    assert slow == {}


def test_nothing_heavy_is_imported_at_parse_time(parsed):
    assert parsed["heavy_modules"] == []


@pytest.mark.parametrize("dag_id", sorted(EXPECTED_DAGS))
def test_dags_have_tags_owner_and_retries(parsed, dag_id):
    dag = parsed["dags"][dag_id]

    assert "lakehouse" in dag["tags"]
    assert all(t["owner"] == "data-platform" for t in dag["tasks"].values())
    # The test environment sets retries to 0 so failures surface at once; dev and prod retry.
    assert all(t["retries"] == 0 for t in dag["tasks"].values())


@pytest.mark.parametrize("dag_id", sorted(EXPECTED_DAGS))
def test_every_task_and_dag_run_is_logged_and_alerts_on_failure(parsed, dag_id):
    dag = parsed["dags"][dag_id]

    assert dag["callbacks"] == ["dag_succeeded", "dag_failed"]
    assert {
        name: t["callbacks"] for name, t in dag["tasks"].items() if t["callbacks"] != ["task_succeeded", "task_failed"]
    } == {}


def test_landing_has_a_validate_group_per_contract_feeding_one_ingest_of_the_batch(parsed):
    tasks = parsed["dags"]["landing_to_raw"]["tasks"]
    sources = {"customers", "transactions", "products", "fiscal_calendar", "account_snapshots"}
    sources |= {"bank_customers", "bank_accounts", "app_events", "clickstream"}

    # one validate task per source, each feeding the batch's one Spark application
    assert set(tasks) == {f"{s}.validate_files" for s in sources} | {"ingest"}
    assert {tasks[f"{s}.validate_files"]["type"] for s in sources} == {"_PythonDecoratedOperator"}
    assert {s: tasks[f"{s}.validate_files"]["downstream"] for s in sources} == {s: ["ingest"] for s in sources}
    # which writes every raw table, and runs when any source delivered (a skipped one is left out)
    assert tasks["ingest"]["type"] == "SparkSubmitOperator"
    assert sorted(tasks["ingest"]["outlets"]) == sorted(f"raw.{s}" for s in sources)
    assert tasks["ingest"]["trigger_rule"] == "none_failed_min_one_success"
    assert parsed["dags"]["landing_to_raw"]["params"] == ["batch_date", "mode"]


def test_dags_are_chained_by_assets(parsed):
    dags = parsed["dags"]
    raw_outlets = {a for t in dags["landing_to_raw"]["tasks"].values() for a in t["outlets"]}
    curated_outlets = {a for t in dags["retail_processing"]["tasks"].values() for a in t["outlets"]}

    assert set(dags["retail_processing"]["schedule_assets"]) <= raw_outlets
    # any retail source changing re-runs the model (a product or calendar update alone included)
    assert dags["retail_processing"]["schedule_assets"] == [
        "raw.customers",
        "raw.fiscal_calendar",
        "raw.products",
        "raw.transactions",
    ]
    assert dags["retail_processing"]["schedule_condition"] == "AssetAny"
    assert dags["retail_processing"]["params"] == ["mode"]
    assert curated_outlets == {
        *(f"curated.{t}" for t in ("dim_customer", "dim_product", "dim_date", "fact_transactions")),
        *(f"marts.{m}" for m in ("monthly_summary", "regional_performance", "sales_by_fiscal_period")),
        *(f"marts.{m}" for m in ("customer_segments", "top_customers", "product_performance")),
    }
    # a declared domain's DAG runs on the raw tables its models read and emits its models' Assets
    banking = dags["banking_processing"]
    assert banking["schedule_assets"] == ["raw.bank_accounts", "raw.bank_customers"]
    assert set(banking["schedule_assets"]) <= raw_outlets
    assert banking["tasks"]["build_models"]["downstream"] == ["quality_gate"]
    banking_outlets = set(banking["tasks"]["quality_gate"]["outlets"])
    assert banking_outlets == {
        "curated.dim_bank_customer",
        "curated.dim_bank_account",
        "curated.int_savings_accounts",
        "marts.account_interest_summary",
        "marts.customer_profile",
    }
    events = dags["events_processing"]
    assert events["schedule_assets"] == ["raw.app_events", "raw.clickstream"]
    events_outlets = set(events["tasks"]["quality_gate"]["outlets"])
    assert len(events_outlets) == 7 and "marts.hourly_operational_metrics" in events_outlets
    # the warehouse follows every gold table: the models' and the account summary's latest state
    summary_outlets = set(dags["account_summary"]["tasks"]["summarize"]["outlets"])
    warehouse = set(dags["processing_to_warehouse"]["schedule_assets"])
    gold = curated_outlets | banking_outlets | events_outlets | summary_outlets
    intermediate = {"curated.int_savings_accounts", "curated.stg_app_events"}
    assert warehouse == (curated_outlets | {"curated.latest_summary"} | banking_outlets | events_outlets) - intermediate
    assert warehouse <= gold
    assert dags["processing_to_warehouse"]["schedule_condition"] == "AssetAny"


def test_account_summary_runs_monthly_or_when_raw_snapshots_change(parsed):
    dag = parsed["dags"]["account_summary"]
    task = dag["tasks"]["summarize"]

    assert dag["timetable"] == "AssetOrTimeSchedule"
    assert dag["schedule_assets"] == ["raw.account_snapshots"]
    assert dag["params"] == ["end_month", "mode", "start_month"]
    assert task["inlets"] == ["raw.account_snapshots"]
    assert task["outlets"] == ["curated.account_summary", "curated.latest_summary"]
    assert "raw.account_snapshots" in {
        a for t in parsed["dags"]["landing_to_raw"]["tasks"].values() for a in t["outlets"]
    }


def test_maintenance_runs_weekly_with_one_spark_task_per_zone(parsed):
    dag = parsed["dags"]["lakehouse_maintenance"]

    assert (dag["timetable"], dag["cron"]) == ("CronTriggerTimetable", "0 0 * * 0")  # @weekly
    assert set(dag["tasks"]) == {f"maintain_{z}" for z in ("raw", "quarantine", "curated", "marts", "ops")}
    assert {t["type"] for t in dag["tasks"].values()} == {"SparkSubmitOperator"}
    # maintenance changes no data an Asset consumer needs to react to
    assert all(t["outlets"] == [] for t in dag["tasks"].values())


@pytest.fixture(scope="module")
def prod(scratch) -> dict:
    return parse_dags(scratch, "prod")


def test_prod_waits_for_s3_files_with_a_sensor_that_frees_its_slot_between_pokes(prod):
    tasks = prod["dags"]["landing_to_raw"]["tasks"]

    assert tasks["transactions.wait_for_files"]["type"] == "S3KeySensor"
    assert tasks["transactions.wait_for_files"]["mode"] == "reschedule"
    assert tasks["transactions.wait_for_files"]["downstream"] == ["transactions.validate_files"]
    assert all(t["retries"] == 3 for t in tasks.values())
    assert {name: f["errors"] for name, f in prod["files"].items() if f["errors"]} == {}


def test_prod_loads_redshift_with_copy_then_merge_per_table_dimensions_first(prod):
    tasks = prod["dags"]["processing_to_warehouse"]["tasks"]

    # COPY is SQL rendered to Redshift's columnar grammar (S3ToRedshiftOperator would add REGION)
    assert tasks["load_dim_customer.copy"]["type"] == "SQLExecuteQueryOperator"
    assert tasks["load_dim_customer.copy"]["downstream"] == ["load_dim_customer.merge"]
    assert tasks["load_dim_customer.merge"]["type"] == "SQLExecuteQueryOperator"
    # one load group per gold table, domains in name order, each in its file's order: dimensions, then the
    # fact, then marts
    assert tasks["export_gold"]["downstream"] == ["load_dim_bank_customer.render"]
    assert tasks["load_customer_profile.reconcile"]["downstream"] == ["load_latest_summary.render"]
    assert tasks["load_latest_summary.reconcile"]["downstream"] == ["load_dim_app_user.render"]
    assert tasks["load_hourly_operational_metrics.reconcile"]["downstream"] == ["load_dim_customer.render"]
    assert tasks["load_dim_customer.reconcile"]["downstream"] == ["load_dim_product.render"]
    assert tasks["load_dim_date.reconcile"]["downstream"] == ["load_fact_transactions.render"]
    assert tasks["load_fact_transactions.reconcile"]["downstream"] == ["load_monthly_summary.render"]
    assert tasks["load_latest_summary.reconcile"]["outlets"] == ["warehouse.latest_summary"]
    assert tasks["load_fact_transactions.reconcile"]["outlets"] == ["warehouse.fact_transactions"]


def test_processing_is_gated_by_quality_before_its_assets_are_emitted(parsed):
    # given retail_processing: the build, then the gate of the processing and marts layers
    tasks = parsed["dags"]["retail_processing"]["tasks"]
    assert tasks["build_models"]["downstream"] == ["quality_gate"]
    assert tasks["quality_gate"]["type"] == "SparkSubmitOperator"
    # then only the gate emits the gold tables' Assets, so the warehouse never follows a failed gate
    assert tasks["build_models"]["outlets"] == []
    assert "curated.fact_transactions" in tasks["quality_gate"]["outlets"]


def test_databricks_env_swaps_every_spark_task_without_dag_changes(scratch):
    dbx = parse_dags(scratch, "databricks")
    types = {
        t["type"]
        for d in dbx["dags"].values()
        for name, t in d["tasks"].items()
        if name.endswith(("ingest", "build_models", "quality_gate", "export_gold", "summarize"))
        or name.startswith("maintain_")
    }

    assert types == {"DatabricksSubmitRunOperator"}
    assert {name: s["errors"] for name, s in dbx["files"].items() if s["errors"]} == {}
