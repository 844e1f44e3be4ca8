"""Table I/O against real Iceberg and Delta tables (each test runs on both formats): every write is one
commit, and its counts are readable from the table's own metadata."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from pathlib import Path

import pytest

from spark_apps.table_io import compaction_sql, expiry_sql

pytestmark = pytest.mark.spark

DDL = "id long, v string, day date"


@pytest.fixture
def table(lake_io) -> str:
    return lake_io.name("io_tests", f"t_{uuid.uuid4().hex[:8]}")


def rows(spark, table: str) -> list[tuple]:
    return sorted((r["id"], r["v"], str(r["day"])) for r in spark.table(table).collect())


def test_ensure_table_is_idempotent_and_partitions_as_asked(spark, lake_io, table):
    schema = spark.createDataFrame([], DDL).schema

    lake_io.ensure_table(table, schema, partition_by=["day"])
    lake_io.ensure_table(table, schema, partition_by=["day"])

    assert lake_io.exists(table)
    if lake_io.table_format == "iceberg":
        assert "partition" in spark.sql(f"SELECT * FROM {table}.partitions").schema.fieldNames()
        assert lake_io.last_commit(table).snapshot_id is None
    else:
        assert spark.sql(f"DESCRIBE DETAIL {table}").first()["partitionColumns"] == ["day"]
        assert lake_io.last_commit(table).operation == "CREATE TABLE"


def test_append_adds_rows_in_one_commit(spark, lake_io, table):

    lake_io.ensure_table(table, spark.createDataFrame([], DDL).schema)
    lake_io.append(spark.createDataFrame([(1, "a", dt.date(2026, 1, 1))], DDL), table)

    lake_io.append(spark.createDataFrame([(2, "b", dt.date(2026, 1, 2))], DDL), table)

    stats = lake_io.last_commit(table)
    if lake_io.table_format == "iceberg":
        assert (stats.operation, stats.added_records, stats.total_records) == ("append", 1, 2)
    else:
        assert (stats.operation, stats.added_records, stats.total_records) == ("WRITE", 1, -1)
    assert len(rows(spark, table)) == 2


def test_replace_where_swaps_one_partition_and_leaves_the_rest(spark, lake_io, table):

    d1, d2 = dt.date(2026, 1, 1), dt.date(2026, 1, 2)
    lake_io.ensure_table(table, spark.createDataFrame([], DDL).schema, partition_by=["day"])
    lake_io.append(spark.createDataFrame([(1, "a", d1), (2, "b", d2)], DDL), table)
    before = lake_io.last_commit(table)

    lake_io.replace_where(spark.createDataFrame([(3, "c", d1)], DDL), table, "day = DATE'2026-01-01'")

    assert rows(spark, table) == [(2, "b", "2026-01-02"), (3, "c", "2026-01-01")]
    assert lake_io.rows_added_since(table, before) == 1


def test_replace_where_with_no_rows_still_clears_the_partition(spark, lake_io, table):

    d1 = dt.date(2026, 1, 1)
    lake_io.ensure_table(table, spark.createDataFrame([], DDL).schema, partition_by=["day"])
    lake_io.append(spark.createDataFrame([(1, "a", d1)], DDL), table)

    lake_io.replace_where(spark.createDataFrame([], DDL), table, "day = DATE'2026-01-01'")

    assert rows(spark, table) == []


def test_merge_upserts_by_key_and_respects_the_update_condition(spark, lake_io, table):

    d = dt.date(2026, 1, 1)
    lake_io.ensure_table(table, spark.createDataFrame([], DDL).schema)
    lake_io.merge(spark.createDataFrame([(1, "a", d), (2, "b", d)], DDL), table, ["id"])

    lake_io.merge(spark.createDataFrame([(2, "B", d), (3, "c", d)], DDL), table, ["id"])
    lake_io.merge(spark.createDataFrame([(3, "ignored", d)], DDL), table, ["id"], update_condition="t.v = 'zzz'")

    assert rows(spark, table) == [(1, "a", "2026-01-01"), (2, "B", "2026-01-01"), (3, "c", "2026-01-01")]


def test_merge_with_scoped_delete_replaces_exactly_that_scope(spark, lake_io, table):

    d = dt.date(2026, 1, 1)
    lake_io.ensure_table(table, spark.createDataFrame([], DDL).schema)
    lake_io.merge(spark.createDataFrame([(1, "x", d), (2, "x", d), (3, "y", d)], DDL), table, ["id"])

    lake_io.merge(spark.createDataFrame([(2, "x", d)], DDL), table, ["id"], delete_unmatched_where="t.v = 'x'")

    assert rows(spark, table) == [(2, "x", "2026-01-01"), (3, "y", "2026-01-01")]


def test_pending_merges_commit_every_part_in_one_merge_per_table(spark, lake_io, table):
    from spark_apps.table_io import PendingMerges

    # Given a table holding rows of three owners (v), and two owners' parts gathered for it
    d = dt.date(2026, 1, 1)
    lake_io.ensure_table(table, spark.createDataFrame([], DDL).schema)
    lake_io.merge(spark.createDataFrame([(1, "a", d), (2, "a", d), (3, "b", d), (4, "c", d)], DDL), table, ["id"])
    versions = lake_io.version_count(table)
    pending = PendingMerges(lake_io)
    pending.add(spark.createDataFrame([(1, "a", d)], DDL), table, ["id"], delete_unmatched_where="t.v = 'a'")
    pending.add(spark.createDataFrame([(5, "b", d)], DDL), table, ["id"], delete_unmatched_where="t.v = 'b'")
    assert lake_io.version_count(table) == versions  # nothing is written before the flush

    # When they are flushed
    pending.flush()

    # Then one commit did what the two scoped MERGEs would have: each owner's rows replaced, the rest kept
    assert rows(spark, table) == [(1, "a", "2026-01-01"), (4, "c", "2026-01-01"), (5, "b", "2026-01-01")]
    assert lake_io.version_count(table) == versions + 1
    # and a second flush has nothing left to commit
    pending.flush()
    assert lake_io.version_count(table) == versions + 1


def test_pending_merges_refuse_parts_of_one_table_with_different_keys(spark, table_io):
    from spark_apps.table_io import PendingMerges

    pending = PendingMerges(table_io)
    pending.add(spark.createDataFrame([], DDL), "lake.ops.any", ["id"])

    with pytest.raises(ValueError, match=r"lake\.ops\.any gathered with different keys: \('id',\) and \('id', 'v'\)"):
        pending.add(spark.createDataFrame([], DDL), "lake.ops.any", ["id", "v"])


def test_merge_of_identical_rows_with_changed_condition_rewrites_nothing(spark, lake_io, table):
    from spark_apps.table_io import changed_condition

    d = dt.date(2026, 1, 1)
    data = spark.createDataFrame([(1, "a", d), (2, None, d)], DDL)
    lake_io.ensure_table(table, data.schema)
    lake_io.merge(data, table, ["id"])
    files_before = lake_io.file_count(table)

    lake_io.merge(data, table, ["id"], update_condition=changed_condition(["v", "day"]))

    assert rows(spark, table) == [(1, "a", "2026-01-01"), (2, None, "2026-01-01")]
    if lake_io.table_format == "iceberg":
        assert lake_io.file_count(table) == files_before
    else:  # Delta copies the files of matched rows even when no clause applies; it updates no row
        assert lake_io.last_commit(table).added_records == 0


def test_maintenance_compacts_small_files_and_the_table_still_reads(spark, lake_io, table):
    d = dt.date(2026, 1, 1)
    lake_io.ensure_table(table, spark.createDataFrame([], DDL).schema)
    for i in range(6):
        lake_io.append(spark.createDataFrame([(i, f"v{i}", d)], DDL), table)
    files_before = lake_io.file_count(table)

    fmt = lake_io.table_format
    statements = lake_io.execute(
        compaction_sql(table, fmt, zorder_by=["id"] if fmt == "delta" else ())
        + expiry_sql(table, fmt, snapshots_older_than="2999-01-01 00:00:00", retain_last=1, retain_hours=0)
    )

    assert files_before == 6
    assert lake_io.file_count(table) == 1
    assert len(rows(spark, table)) == 6
    if fmt == "iceberg":
        assert lake_io.version_count(table) == 1
        assert statements[0].startswith("CALL lake.system.rewrite_data_files")
    else:
        # OPTIMIZE ... ZORDER BY rewrote the six files as one; VACUUM removed the six it replaced
        assert statements == [f"OPTIMIZE {table} ZORDER BY (id)", f"VACUUM {table} RETAIN 0 HOURS"]
        location = spark.sql(f"DESCRIBE DETAIL {table}").first()["location"].removeprefix("file:")
        assert len(list(Path(location).glob("*.parquet"))) == 1


@pytest.mark.parametrize("started", ["files", "files_and_log_folder"])
def test_a_table_another_job_is_still_creating_is_waited_for_and_used(spark, delta_io, caplog, started):
    # Given a Delta table folder another job has started to create: files there, its log not committed yet
    name = f"t_{uuid.uuid4().hex[:8]}"
    table, location = delta_io.name("io_tests", name), Path(delta_io.folders) / "io_tests.db" / name
    location.mkdir(parents=True)
    (location / "part-00000-pending.parquet").write_bytes(b"")
    if started == "files_and_log_folder":
        (location / "_delta_log").mkdir()
    schema = spark.createDataFrame([], DDL).schema
    # and that job commits its log a few seconds later
    other_job = threading.Timer(5, lambda: spark.createDataFrame([], DDL).write.format("delta").save(str(location)))
    other_job.start()
    caplog.set_level(logging.INFO, logger="spark_apps.table_io")

    # When this job's CREATE TABLE finds the location taken (DELTA_CREATE_TABLE_WITH_NON_EMPTY_LOCATION)
    try:
        delta_io.ensure_table(table, schema)
    finally:
        other_job.join()

    # Then it waited for the other job's table and uses it, instead of failing the run
    assert f"{table} was created by another job meanwhile" in caplog.text
    assert delta_io.exists(table)
    assert spark.table(table).columns == ["id", "v", "day"]
    assert spark.table(table).count() == 0
