"""The raw gate's quarantine rate: a batch whose quarantined share exceeds its source's
``max_quarantine_rate`` fails *after* committing (nothing lost, the message says what is where); within
it, bad rows are quarantined and the batch passes; header-only and all-bad files get their statuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from spark_apps.jobs.ingest_raw import ingest_sources
from spark_apps.landing import LocalStore, plan_batch
from spark_apps.raw_batch import RawGateError, ingest_plan
from spark_apps.run_log import TaskRun
from spark_apps.runtime import JobContext
from tests.integration.landing_helpers import fresh_contract, land, run

pytestmark = pytest.mark.spark

D = "2026-06-01"
HEADER = "customer_id,first_name,signup_date\n"


def rows(good: int, bad: int, start: int = 1) -> str:
    """``good`` valid rows, then ``bad`` rows whose signup_date is not a date."""
    ids = range(start, start + good + bad)
    return "".join(f"{i},Ana,{'2026-05-01' if n < good else 'soon'}\n" for n, i in enumerate(ids))


def ingest(spark, table_io, test_env, contract):
    plan = plan_batch(LocalStore(), test_env.lake.root, contract, [D], "incremental")
    return ingest_plan(table_io, test_env, contract, plan, "rate-run")


def counts(spark, test_env, contract) -> tuple[int, int, list[tuple[str, int, int, int, str]]]:
    manifest = spark.table(test_env.table("ops", "ingest_manifest")).where(f"source = '{contract.name}'")
    return (
        spark.table(test_env.table("raw", contract.name)).count(),
        spark.table(test_env.table("quarantine", contract.name)).count(),
        sorted(
            (Path(r["source_file"]).name, r["rows_read"], r["rows_loaded"], r["rows_quarantined"], r["status"])
            for r in manifest.collect()
        ),
    )


def test_a_batch_over_its_quarantine_rate_fails_after_committing_everything(spark, table_io, test_env):
    # Given a source that may quarantine at most 20 % of a batch, and a batch of 10 rows of which 3 are bad
    lake = Path(test_env.lake.root)
    c = fresh_contract(max_quarantine_rate=0.2)
    land(lake, c, D, {"a.csv": (HEADER + rows(7, 3)).encode()})

    # When it is ingested
    with pytest.raises(RawGateError) as failed:
        ingest(spark, table_io, test_env, c)

    # Then the error names the source, the share and the limit, and says the batch is committed
    message = str(failed.value)
    assert message.startswith("quality gate 'raw' failed: 1 check(s) breached")
    assert f"raw.{c.name}: rule max_quarantine_rate failed: 3 of 10 rows quarantined (30.00%) > " in message
    assert "max_quarantine_rate 20.00%" in message
    assert f"batch {c.name}/{D} is committed: 7 row(s) in " in message
    # and nothing is lost: 7 rows in raw, 3 in quarantine with their reasons, the file in the manifest
    assert failed.value.result.conserved
    assert counts(spark, test_env, c) == (7, 3, [("a.csv", 10, 7, 3, "partially_loaded")])
    reasons = spark.table(test_env.table("quarantine", c.name)).select("_line", "_reasons").orderBy("_line").collect()
    assert [(r["_line"], r["_reasons"]) for r in reasons] == [
        (line, ["signup_date: cannot parse 'soon' as date"]) for line in (9, 10, 11)
    ]

    # and a re-run of the same batch fails the same way and changes nothing
    with pytest.raises(RawGateError):
        ingest(spark, table_io, test_env, c)
    assert counts(spark, test_env, c) == (7, 3, [("a.csv", 10, 7, 3, "partially_loaded")])


def test_a_batch_within_its_quarantine_rate_quarantines_its_bad_rows_and_passes(spark, table_io, test_env):
    # Given the same limit and a batch of 10 rows of which 2 are bad (exactly 20 %)
    lake = Path(test_env.lake.root)
    c = fresh_contract(max_quarantine_rate=0.2)
    land(lake, c, D, {"a.csv": (HEADER + rows(8, 2)).encode()})

    # When it is ingested, Then it passes with the bad rows in quarantine
    result = ingest(spark, table_io, test_env, c)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (10, 8, 2)
    assert counts(spark, test_env, c) == (8, 2, [("a.csv", 10, 8, 2, "partially_loaded")])


def test_the_default_rate_is_the_raw_layers_threshold(spark, table_io, test_env):
    # Given a source with no max_quarantine_rate of its own (raw threshold 90 %: at most 10 %)
    lake = Path(test_env.lake.root)
    within, over = fresh_contract(max_quarantine_rate=None), fresh_contract(max_quarantine_rate=None)
    land(lake, within, D, {"a.csv": (HEADER + rows(9, 1)).encode()})
    land(lake, over, D, {"a.csv": (HEADER + rows(8, 2)).encode()})

    # Then 1 bad row in 10 passes, and 2 in 10 fail after committing
    assert ingest(spark, table_io, test_env, within).rows_quarantined == 1
    with pytest.raises(RawGateError, match=r"2 of 10 rows quarantined \(20\.00%\) > max_quarantine_rate 10\.00%"):
        ingest(spark, table_io, test_env, over)
    assert counts(spark, test_env, over)[:2] == (8, 2)


def test_header_only_and_all_bad_files_get_their_statuses(spark, table_io, test_env):
    # Given a batch with a header-only file, an all-bad file and a good file, under a 50 % limit
    lake = Path(test_env.lake.root)
    c = fresh_contract(max_quarantine_rate=0.5)
    files = {"empty.csv": HEADER, "bad.csv": HEADER + rows(0, 4), "good.csv": HEADER + rows(4, 0, start=10)}
    land(lake, c, D, {name: body.encode() for name, body in files.items()})

    # When it is ingested (4 of 8 rows bad: 50 %, within the limit)
    out = run(spark, table_io, test_env, c, dates=[D])

    # Then each file has its documented status, and the counts add up
    assert {name: m["status"] for name, m in out.manifest.items()} == {
        "empty.csv": "no_rows",
        "bad.csv": "quarantined",
        "good.csv": "loaded",
    }
    assert (out.result.rows_read, out.result.rows_loaded, out.result.rows_quarantined) == (8, 4, 4)


def test_the_batch_job_records_a_committed_but_failed_source_with_its_counts(spark, table_io, test_env):
    # Given one source over its limit and one within it, in one batch
    lake, store = Path(test_env.lake.root), LocalStore()
    over, fine = fresh_contract(max_quarantine_rate=0.1), fresh_contract(max_quarantine_rate=0.1)
    land(lake, over, D, {"a.csv": (HEADER + rows(5, 5)).encode()})
    land(lake, fine, D, {"a.csv": (HEADER + rows(5, 0)).encode()})
    ctx = JobContext(test_env, spark, table_io, "rate-job", "ingest", "landing_to_raw")
    record = TaskRun(run_id="rate-job", task_id="ingest")

    def plan(contract):
        return lambda: plan_batch(store, test_env.lake.root, contract, [D], "incremental")

    # When the batch's job loads both
    with pytest.raises(RawGateError, match=r"5 of 10 rows quarantined \(50\.00%\)"):
        ingest_sources(ctx, record, [(over, plan(over)), (fine, plan(fine))])

    # Then the failed source's part carries its committed counts and the error, and the run's totals add up
    parts = {p["name"]: p for p in record.parts}
    assert (parts[over.name]["status"], parts[over.name]["rows_in"], parts[over.name]["rows_out"]) == ("failed", 10, 5)
    assert parts[over.name]["rows_quarantined"] == 5 and "max_quarantine_rate" in parts[over.name]["error"]
    assert (parts[fine.name]["status"], parts[fine.name]["rows_out"]) == ("success", 5)
    assert (record.rows_in, record.rows_out, record.rows_quarantined) == (15, 10, 5)
