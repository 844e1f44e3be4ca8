"""Landing → raw on generated data against real Iceberg tables: conservation, re-runs, manifest,
watermarks and full refresh."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyspark.sql import functions as F

from spark_apps.landing import LocalStore, plan_batch
from spark_apps.raw_batch import ConservationError, ingest_plan
from spark_apps.sample_data import FaultRates, generate
from tests.integration.landing_helpers import fresh_contract, land, run

pytestmark = pytest.mark.spark

DATE = "2030-03-01"
CUSTOMERS_CSV = (
    b"customer_id,first_name,last_name,email,country,territory,signup_date\n"
    b"1,Ada,Lovelace,ada@example.com,UK,Europe,2030-01-02\n"
    b"not-a-number,Bad,Row,bad@example.com,UK,Europe,2030-01-02\n"
    b"2,Alan,Turing,alan@example.com,UK,Europe,2030-01-03\n"
)
PRODUCTS_CSV = b"product_id,product_name,category,unit_price\nP1,Lamp,Home,12.50\nP2,Desk,Office,99.00\n"


@pytest.fixture(scope="module")
def landed(test_env):
    """2,000 generated transactions with 2 % of each fault, in three files, under a source of their own."""
    contract = fresh_contract("transactions")
    root = Path(test_env.lake.root) / "landing"
    summary = generate(root / "_gen", DATE, 50, 2000, seed=11, faults=FaultRates.uniform(0.02), rows_per_file=800)
    target = root / contract.name / DATE
    target.mkdir(parents=True)
    for f in (root / "_gen" / "transactions" / DATE).iterdir():
        f.rename(target / f.name)
    return contract, summary


@pytest.fixture
def load(spark, table_io, test_env):
    return lambda contract, **kw: run(spark, table_io, test_env, contract, **kw)


def test_every_row_is_loaded_or_quarantined(load, landed):
    contract, summary = landed

    out = load(contract, dates=[DATE])

    assert out.result.files == 3
    assert out.result.rows_read == summary.rows["transactions"]
    assert out.result.rows_quarantined == summary.quarantine_expected["transactions"] > 0
    assert out.result.rows_loaded == out.result.rows_read - out.result.rows_quarantined


def test_rerunning_a_batch_replaces_it(load, landed):
    contract, _ = landed
    first = load(contract, dates=[DATE], run_id="run-1")

    second = load(contract, dates=[DATE], run_id="run-2")

    assert second.result == first.result
    assert len(second.raw) == first.result.rows_loaded
    assert len(second.quarantine) == first.result.rows_quarantined
    assert {r["_run_id"] for r in second.raw} == {"run-2"}


def test_manifest_has_one_row_per_file_that_adds_up(load, landed):
    contract, summary = landed

    out = load(contract, dates=[DATE])

    assert len(out.manifest) == 3
    assert sum(m["rows_read"] for m in out.manifest.values()) == summary.rows["transactions"]
    assert all(m["rows_read"] == m["rows_loaded"] + m["rows_quarantined"] for m in out.manifest.values())
    assert {m["status"] for m in out.manifest.values()} == {"partially_loaded"}
    assert all(len(m["sha256"]) == 64 and m["file_size"] > 0 for m in out.manifest.values())


def test_quarantined_rows_name_file_line_and_rule(load, landed):
    contract, _ = landed

    out = load(contract, dates=[DATE])

    rules = {reason.split(":")[0] for row in out.quarantine for reason in row["_reasons"]}
    assert rules == {"customer_id", "transaction_date", "amount", "duplicate primary key (transaction_id)"}
    assert all(row["_source_file"].endswith(".csv") and row["_line"] >= 2 and row["_raw"] for row in out.quarantine)


def test_a_date_without_files_loads_nothing(load):
    out = load(fresh_contract(), dates=["2030-12-31"])

    assert (out.result.files, out.result.rows_read, out.result.rows_loaded, out.result.rows_quarantined) == (0,) * 4


def test_a_lost_row_fails_the_batch_loudly(table_io, test_env, landed, monkeypatch):
    contract, _ = landed
    plan = plan_batch(LocalStore(), test_env.lake.root, contract, [DATE])
    real = table_io.rows_added_since
    monkeypatch.setattr(table_io, "rows_added_since", lambda table, before: real(table, before) - 1)

    with pytest.raises(ConservationError, match=rf"batch {contract.name}/{DATE}: rows read \d+ != loaded"):
        ingest_plan(table_io, test_env, contract, plan, "run-x")


def test_watermark_keeps_the_highest_incremental_value(load, test_env, spark):
    c = fresh_contract()
    lake = Path(test_env.lake.root)
    land(lake, c, "2026-06-01", {"a.csv": b"customer_id,signup_date\n1,2026-05-20\n"})
    land(lake, c, "2026-06-02", {"b.csv": b"customer_id,signup_date\n2,2026-04-01\n"})

    first = load(c, dates=["2026-06-01"])
    second = load(c, dates=["2026-06-02"])

    assert first.result.watermark == "2026-05-20"
    assert second.result.watermark == "2026-05-20"  # an older late row does not move it back
    stored = spark.table(test_env.table("ops", "watermarks")).where(f"source = '{c.name}'").collect()
    assert [(r["column_name"], r["value"]) for r in stored] == [("signup_date", "2026-05-20")]


def test_full_refresh_rebuilds_raw_from_every_landing_folder(load, test_env):
    c = fresh_contract()
    lake = Path(test_env.lake.root)
    land(lake, c, "2026-07-01", {"a.csv": b"customer_id,first_name\n1,Ann\n"})
    land(lake, c, "2026-07-02", {"b.csv": b"customer_id,first_name\n2,Bo\nx,Bad\n"})
    load(c, dates=["2026-07-01"])
    load(c, dates=["2026-07-02"])

    out = load(c, mode="full_refresh", run_id="refresh")

    assert out.result.batch_id == f"{c.name}/full_refresh"
    assert sorted(r["customer_id"] for r in out.raw) == [1, 2]
    assert len(out.quarantine) == 1
    assert {r["_run_id"] for r in out.raw} == {"refresh"}
    assert {r["_batch_id"] for r in out.raw} == {f"{c.name}/2026-07-01", f"{c.name}/2026-07-02"}
    assert set(out.manifest) == {"a.csv", "b.csv"}


def test_a_rejected_file_stays_reported_when_the_batch_is_rerun(load, test_env):
    c = fresh_contract()
    land(Path(test_env.lake.root), c, "2026-08-01", {"empty.csv": b"", "ok.csv": b"customer_id\n1\n"})
    load(c, dates=["2026-08-01"])

    again = load(c, dates=["2026-08-01"])

    assert again.manifest["empty.csv"]["status"] == "rejected"
    assert again.result.files_rejected == 1
    assert again.result.rows_loaded == 1


def test_one_application_loads_each_source_and_a_failing_one_stops_none_of_the_others(spark, table_io, test_env):
    from spark_apps.jobs.ingest_raw import SourcesFailed, ingest_sources
    from spark_apps.run_log import TaskRun
    from spark_apps.runtime import JobContext

    # Given a batch of three sources: customers and products delivered, and one whose plan cannot be read
    lake, store = Path(test_env.lake.root), LocalStore()
    customers, products, broken = fresh_contract("customers"), fresh_contract("products"), fresh_contract("products")
    land(lake, customers, DATE, {"c.csv": CUSTOMERS_CSV})
    land(lake, products, DATE, {"p.csv": PRODUCTS_CSV})

    def plan(contract):
        return lambda: plan_batch(store, test_env.lake.root, contract, [DATE], "incremental")

    def unreadable():
        raise FileNotFoundError("ops/plans/x/run-1.json")

    ctx = JobContext(test_env, spark, table_io, "run-1", "ingest", "landing_to_raw")
    run_record = TaskRun(run_id="run-1", task_id="ingest")

    manifest = test_env.table("ops", "ingest_manifest")
    versions = table_io.version_count(manifest) if table_io.exists(manifest) else 0

    # When the batch's one job loads them in turn
    batch = [(customers, plan(customers)), (broken, unreadable), (products, plan(products))]
    with pytest.raises(FileNotFoundError, match=r"ops/plans/x/run-1\.json"):
        ingest_sources(ctx, run_record, batch)

    # Then the sources after the failing one were loaded too, each part with its own counts or error
    parts = {p["name"]: p for p in run_record.parts}
    assert (parts[customers.name]["status"], parts[customers.name]["rows_in"], parts[customers.name]["rows_out"]) == (
        "success",
        3,
        2,
    )
    assert (parts[products.name]["status"], parts[products.name]["rows_out"]) == ("success", 2)
    assert (parts[broken.name]["status"], parts[broken.name]["error"]) == ("failed", "ops/plans/x/run-1.json")
    assert spark.table(test_env.table("raw", customers.name)).count() == 2
    assert spark.table(test_env.table("quarantine", customers.name)).count() == 1
    assert spark.table(test_env.table("raw", products.name)).count() == 2
    assert (run_record.rows_in, run_record.rows_out, run_record.rows_quarantined) == (5, 4, 1)
    # and the manifest took one commit for the whole batch, with a row for each loaded source's file
    assert table_io.version_count(manifest) == versions + 1
    listed = spark.table(manifest).where(F.col("source").isin(customers.name, products.name, broken.name)).collect()
    assert len(listed) == 2
    assert {r["source"]: r["status"] for r in listed} == {
        customers.name: "partially_loaded",
        products.name: "loaded",
    }

    # and a retry with two failing sources changes nothing loaded and names both
    retry = TaskRun(run_id="run-1", task_id="ingest")
    with pytest.raises(SourcesFailed, match=rf"2 of 3 sources failed: {broken.name}: .*; {products.name}: "):
        ingest_sources(ctx, retry, [(customers, plan(customers)), (broken, unreadable), (products, unreadable)])
    assert spark.table(test_env.table("raw", customers.name)).count() == 2
    assert [p["status"] for p in retry.parts] == ["success", "failed", "failed"]
