"""Landing → raw against real Iceberg tables: conservation, idempotent re-runs, the manifest."""

from __future__ import annotations

from pathlib import Path

import pytest

from spark_apps import raw_batch
from spark_apps.config import load_contracts
from spark_apps.raw_batch import ConservationError, ingest_batch
from spark_apps.sample_data import FaultRates, generate

pytestmark = pytest.mark.spark

TX = load_contracts()["transactions"]


def batch_rows(spark, table: str, batch_date: str) -> int:
    return spark.table(table).where(f"_ingest_date = DATE'{batch_date}'").count()


@pytest.fixture(scope="module")
def landed(test_env):
    date = "2030-03-01"
    summary = generate(
        Path(test_env.lake.root) / "landing",
        date,
        50,
        2000,
        seed=11,
        faults=FaultRates.uniform(0.02),
        rows_per_file=800,
    )
    return date, summary


def test_every_row_is_loaded_or_quarantined(table_io, test_env, landed, spark):
    date, summary = landed

    result = ingest_batch(table_io, test_env, TX, date, "run-1")

    assert result.files == 3
    assert result.rows_read == summary.rows["transactions"]
    assert result.rows_quarantined == summary.quarantine_expected["transactions"] > 0
    assert result.rows_loaded == result.rows_read - result.rows_quarantined
    assert batch_rows(spark, "lake.raw.transactions", date) == result.rows_loaded
    assert batch_rows(spark, "lake.quarantine.transactions", date) == result.rows_quarantined


def test_rerunning_a_batch_replaces_it(table_io, test_env, landed, spark):
    date, _ = landed
    first = ingest_batch(table_io, test_env, TX, date, "run-1")

    second = ingest_batch(table_io, test_env, TX, date, "run-2")

    assert second == first
    assert batch_rows(spark, "lake.raw.transactions", date) == first.rows_loaded
    assert batch_rows(spark, "lake.quarantine.transactions", date) == first.rows_quarantined
    run_ids = spark.table("lake.raw.transactions").where(f"_ingest_date = DATE'{date}'").select("_run_id").distinct()
    assert [r[0] for r in run_ids.collect()] == ["run-2"]


def test_manifest_has_one_row_per_file_that_adds_up(table_io, test_env, landed, spark):
    date, summary = landed
    ingest_batch(table_io, test_env, TX, date, "run-1")

    rows = spark.table("lake.ops.ingest_manifest").where(f"batch_id = 'transactions/{date}'").collect()

    assert len(rows) == 3
    assert sum(r["rows_read"] for r in rows) == summary.rows["transactions"]
    assert all(r["rows_read"] == r["rows_loaded"] + r["rows_quarantined"] for r in rows)
    assert {r["status"] for r in rows} <= {"loaded", "partially_loaded"}
    assert all(r["file_size"] > 0 for r in rows)


def test_quarantined_rows_name_file_line_and_rule(table_io, test_env, landed, spark):
    date, _ = landed
    ingest_batch(table_io, test_env, TX, date, "run-1")

    bad = spark.table("lake.quarantine.transactions").where(f"_ingest_date = DATE'{date}'").collect()

    reasons = {reason.split(":")[0] for row in bad for reason in row["_reasons"]}
    assert reasons == {"customer_id", "transaction_date", "amount"}
    assert all(row["_source_file"].endswith(".csv") and row["_line"] >= 2 and row["_raw"] for row in bad)


def test_a_date_without_files_loads_nothing(table_io, test_env):
    result = ingest_batch(table_io, test_env, TX, "2030-12-31", "run-1")

    assert (result.files, result.rows_read, result.rows_loaded, result.rows_quarantined) == (0, 0, 0, 0)


def test_a_lost_row_fails_the_batch_loudly(table_io, test_env, landed, monkeypatch):
    date, _ = landed
    real = table_io.rows_added_since
    monkeypatch.setattr(table_io, "rows_added_since", lambda table, before: real(table, before) - 1)

    with pytest.raises(ConservationError, match=rf"batch transactions/{date}: rows read \d+ != loaded"):
        raw_batch.ingest_batch(table_io, test_env, TX, date, "run-x")
