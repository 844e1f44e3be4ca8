"""The processing gate's listings (``quarantine.<namespace>_<table>``), on Iceberg and on Delta: each run
replaces a listing with the rows failing now, and a listing that is empty and stays empty takes no commit."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest

from spark_apps.config import TableSuite
from spark_apps.quality.gate import QualityGate

pytestmark = pytest.mark.spark

SCHEMA = "id int, email string"
EMAIL = r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"


@pytest.fixture
def gate_on(lake_io, test_env):
    """A gate writing to ``lake_io``'s catalog and format, one run id per call."""
    env = test_env.model_copy(
        update={
            "table_format": lake_io.table_format,
            "catalog": test_env.catalog.model_copy(update={"name": lake_io.catalog}),
        }
    )
    return lambda run_id: QualityGate(lake_io, env, run_id, dt.datetime(2026, 1, 12)), env


def orders(spark, lake_io, table: str, emails: list[str]) -> None:
    """(Re)write the checked table with one row per email."""
    df = spark.createDataFrame(list(enumerate(emails)), SCHEMA)
    lake_io.ensure_table(table, df.schema)
    lake_io.replace_where(df, table, "true")


def data_files(spark, table: str) -> int:
    """Parquet files under the table's folder, committed or not (a no-op overwrite can leave one)."""
    details = {r["col_name"]: r["data_type"] for r in spark.sql(f"DESCRIBE TABLE EXTENDED {table}").collect()}
    return len(list(Path(details["Location"].removeprefix("file:")).rglob("*.parquet")))


def new_case(env) -> tuple[str, str, TableSuite]:
    """(a new table's name, its listing's name, a suite quarantining malformed emails)."""
    name = f"orders_{uuid.uuid4().hex[:8]}"
    suite = TableSuite.model_validate(
        {
            "table": f"listing_tests.{name}",
            "layer": "processing",
            "checks": [{"name": "emails", "kind": "pattern", "column": "email", "pattern": EMAIL}],
        }
    )
    return env.table("listing_tests", name), env.table("quarantine", f"listing_tests_{name}"), suite


def test_a_listing_holds_the_current_failures_and_a_clean_rerun_commits_nothing(spark, lake_io, gate_on):
    gate, env = gate_on
    table, listing, suite = new_case(env)
    # Given a table with one malformed email, checked by the gate
    orders(spark, lake_io, table, ["a@x.com", "bad-email", "b@x.com"])
    gate("run-1").check_tables([suite])
    # Then the listing names that row and its rule
    assert [(r["id"], r["_failed_rules"], r["_run_id"]) for r in spark.table(listing).collect()] == [
        (1, ["emails"], "run-1")
    ]

    # When the table is corrected and checked again
    orders(spark, lake_io, table, ["a@x.com", "c@x.com", "b@x.com"])
    before = lake_io.version_count(listing)
    (result,) = gate("run-2").check_tables([suite])
    # Then the listing is cleared, in one commit
    assert (result.rows_failed, spark.table(listing).count()) == (0, 0)
    assert lake_io.version_count(listing) == before + 1
    files = data_files(spark, listing)

    # When the clean table is checked once more
    gate("run-3").check_tables([suite])
    # Then the empty listing is left as it is: no commit, no file written
    assert spark.table(listing).count() == 0
    assert (lake_io.version_count(listing), data_files(spark, listing)) == (before + 1, files)


def test_a_clean_tables_first_check_creates_its_listing_empty_without_an_overwrite(spark, lake_io, gate_on):
    gate, env = gate_on
    table, listing, suite = new_case(env)
    # Given a clean table never checked
    orders(spark, lake_io, table, ["a@x.com", "b@x.com"])
    # When the gate checks it
    gate("run-1").check_tables([suite])
    # Then its listing exists, empty, with the gate's columns, and only its creation was committed
    assert lake_io.exists(listing)
    assert spark.table(listing).count() == 0
    assert spark.table(listing).columns == ["id", "email", "_failed_rules", "_run_id", "_checked_at"]
    assert lake_io.version_count(listing) == (1 if lake_io.table_format == "delta" else 0)
    assert data_files(spark, listing) == 0
