"""The change detection and partition filters the incremental build relies on."""

from __future__ import annotations

import datetime as dt

import pytest

from spark_apps.incremental import changed_keys, in_predicate


def test_in_predicate_quotes_strings_and_covers_null_partitions():
    assert in_predicate("month", ["2026-02", "2026-01"]) == "month IN ('2026-01', '2026-02')"
    assert in_predicate("fiscal_year", [2027, None]) == "fiscal_year IN (2027) OR fiscal_year IS NULL"
    assert in_predicate("fiscal_year", [None]) == "fiscal_year IS NULL"
    assert in_predicate("month", []) == "false"
    # dates and timestamps are typed literals, so a date partition compares as a date
    assert (
        in_predicate("d", [dt.date(2026, 1, 31), dt.date(2026, 1, 20)]) == "d IN (DATE'2026-01-20', DATE'2026-01-31')"
    )
    assert in_predicate("h", [dt.datetime(2026, 1, 31, 10)]) == "h IN (TIMESTAMP'2026-01-31 10:00:00')"


@pytest.mark.spark
def test_changed_keys_are_added_removed_or_changed_rows_never_unchanged_ones(spark):
    # given: 1 unchanged, 2 changed, 3 removed, 4 added, and a null key that changed
    old = spark.createDataFrame([(1, "a"), (2, "b"), (3, "c"), (None, "x")], "id long, v string")
    new = spark.createDataFrame([(1, "a"), (2, "B"), (4, "d"), (None, "y")], "id long, v string")

    changed = changed_keys(new, old, "id")

    assert sorted(r["id"] for r in changed.collect()) == [2, 3, 4]
