"""Freshness on real Iceberg tables: the last commit's time, and a missing table."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from spark_apps.freshness import FreshnessError, enforce, judge, last_updates

pytestmark = pytest.mark.spark


def test_the_last_commit_time_is_read_from_the_table_and_judged(spark, table_io):
    # given a table committed just now, and a table that was never created
    namespace = f"fresh_{uuid.uuid4().hex[:8]}"
    table = table_io.name(namespace, "events")
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    spark.createDataFrame([(1,)], "id long").writeTo(table).create()
    names = [f"{namespace}.events", f"{namespace}.never_written"]

    # when their last updates are read
    last = last_updates(table_io, names)

    # then the table's is its commit time, and the missing table has none
    assert before <= last[f"{namespace}.events"] <= dt.datetime.now(dt.UTC)
    assert last[f"{namespace}.never_written"] is None
    # and two hours later, against a one-hour SLA, both are breaches
    with pytest.raises(FreshnessError, match=r"2 table\(s\)") as err:
        enforce(judge(last, dict.fromkeys(names, 1.0), dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)))
    assert f"{namespace}.events: last updated 2.0 h ago" in str(err.value)
    assert f"{namespace}.never_written: no data yet" in str(err.value)
