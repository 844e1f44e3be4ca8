"""Concurrent DAG runs on one lake: two ingests and a quality gate writing the shared operational
tables (manifest, watermarks, quality results) at the same moment never fail each other."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from spark_apps.landing import LocalStore, plan_batch
from spark_apps.quality.gate import QualityGate
from spark_apps.quality.results import CheckResult
from spark_apps.raw_batch import ingest_plan
from tests.integration.landing_helpers import fresh_contract, land

pytestmark = pytest.mark.spark

DATE = "2030-04-01"
ROUNDS = 5


def result(run_id: str) -> CheckResult:
    return CheckResult(
        run_id, "processing", "curated.concurrency_probe", None, "row_count", "size", "error", "rows > 0",
        "native", "Size", 2.0, 1.0, 1.0, 2, 0, "success", "", dt.datetime(2030, 4, 1),
    )  # fmt: skip


def test_two_ingests_and_a_quality_gate_at_once_succeed_five_times_out_of_five(spark, table_io, test_env):
    # Given two sources with a batch each, and a gate recording its results, all on one lake
    customers, products = fresh_contract("customers"), fresh_contract("products")
    lake, store = Path(test_env.lake.root), LocalStore()
    land(lake, customers, DATE, {"c.csv": b"customer_id,email,signup_date\n1,a@x.io,2030-03-01\n2,b@x.io,2030-03-02\n"})
    land(lake, products, DATE, {"p.csv": b"product_id,product_name,unit_price\nP1,Lamp,1.50\n"})
    gate = QualityGate(table_io, test_env, "gate", dt.datetime(2030, 4, 1))

    def ingest(contract, run_id):
        return ingest_plan(
            table_io, test_env, contract, plan_batch(store, test_env.lake.root, contract, [DATE]), run_id
        )

    # When each round runs them at the same moment, five times
    outcomes = []
    for n in range(ROUNDS):
        with ThreadPoolExecutor(max_workers=3) as pool:
            jobs = [
                pool.submit(ingest, customers, f"round-{n}"),
                pool.submit(ingest, products, f"round-{n}"),
                pool.submit(gate.record, [result(f"round-{n}")], "concurrency_probe"),
            ]
            outcomes.append([job.exception() for job in jobs])

    # Then no run failed, and the tables hold each batch once and every round's results
    assert outcomes == [[None, None, None]] * ROUNDS
    manifest = spark.table(test_env.table("ops", "ingest_manifest"))
    both = manifest.where(f"source IN ('{customers.name}', '{products.name}')")
    assert sorted((r["source"], r["rows_loaded"], r["run_id"]) for r in both.collect()) == sorted(
        [(customers.name, 2, f"round-{ROUNDS - 1}"), (products.name, 1, f"round-{ROUNDS - 1}")]
    )
    assert spark.table(test_env.table("raw", customers.name)).count() == 2
    assert spark.table(test_env.table("raw", products.name)).count() == 1
    marks = spark.table(test_env.table("ops", "watermarks")).where(f"source = '{customers.name}'").collect()
    assert [(m["value"], m["run_id"]) for m in marks] == [("2030-03-02", f"round-{ROUNDS - 1}")]
    probe = spark.table(test_env.table("ops", "quality_results")).where("table_name = 'curated.concurrency_probe'")
    assert sorted(r["run_id"] for r in probe.collect()) == [f"round-{n}" for n in range(ROUNDS)]
