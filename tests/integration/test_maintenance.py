"""Table maintenance on real Iceberg tables: compaction, snapshot expiry and batch retention."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from spark_apps.config import ZoneRetention
from spark_apps.maintenance import maintain_table, maintain_zone

pytestmark = pytest.mark.spark

DDL = "id long, v string, _ingest_date date"
RUN_DAY = dt.date(2026, 6, 30)
OLD, RECENT = dt.date(2026, 1, 2), dt.date(2026, 6, 29)
POLICY = ZoneRetention(snapshot_retention_days=0, retain_last=1, partition_retention_days=90)


@pytest.fixture
def small_files_table(spark, table_io) -> str:
    """A raw-like table written as 12 one-row commits, half in an old batch and half in a recent one."""
    table = table_io.name(f"maint_{uuid.uuid4().hex[:8]}", "events")
    table_io.ensure_table(table, spark.createDataFrame([], DDL).schema, partition_by=["_ingest_date"])
    for i in range(12):
        day = OLD if i % 2 else RECENT
        table_io.append(spark.createDataFrame([(i, f"v{i}", day)], DDL), table)
    return table


def ids(spark, table: str) -> list[int]:
    return sorted(r["id"] for r in spark.table(table).collect())


def test_maintenance_compacts_small_files_into_one_per_partition(spark, table_io, small_files_table):
    # given 12 data files in two partitions
    assert table_io.file_count(small_files_table) == 12

    # when the table is maintained with no batch retention
    policy = ZoneRetention(snapshot_retention_days=0, retain_last=1)
    result = maintain_table(table_io, small_files_table, "curated", policy, RUN_DAY)

    # then one file per partition is left, and every row still reads
    assert (result.files_before, result.files_after) == (12, 2)
    assert table_io.file_count(small_files_table) == 2
    assert ids(spark, small_files_table) == list(range(12))
    assert result.rows_deleted == 0


def test_expired_snapshots_are_gone_and_the_table_still_reads(spark, table_io, small_files_table):
    # given a table whose early snapshots time travel can still read
    first = spark.sql(f"SELECT snapshot_id FROM {small_files_table}.snapshots ORDER BY committed_at LIMIT 1").first()[0]
    assert spark.sql(f"SELECT * FROM {small_files_table} VERSION AS OF {first}").count() == 1

    # when maintenance expires everything but the newest snapshot
    result = maintain_table(table_io, small_files_table, "raw", POLICY, RUN_DAY)

    # then only that snapshot is left, the early one cannot be read any more, and the table reads
    assert (result.versions_before, result.versions_after) == (12, 1)
    snapshots = [r[0] for r in spark.sql(f"SELECT snapshot_id FROM {small_files_table}.snapshots").collect()]
    assert first not in snapshots and len(snapshots) == 1
    with pytest.raises(Exception, match=str(first)):
        spark.sql(f"SELECT * FROM {small_files_table} VERSION AS OF {first}").collect()
    assert len(ids(spark, small_files_table)) == 6


def test_batches_past_retention_are_deleted_and_a_rerun_changes_nothing(spark, table_io, small_files_table):
    # when the raw policy (90 days) runs on 2026-06-30: the 2026-01-02 batch is past it
    first = maintain_table(table_io, small_files_table, "raw", POLICY, RUN_DAY)

    # then exactly that batch's rows are gone and the recent batch is intact
    assert first.rows_deleted == 6
    assert ids(spark, small_files_table) == [0, 2, 4, 6, 8, 10]
    assert {r[0] for r in spark.table(small_files_table).select("_ingest_date").distinct().collect()} == {RECENT}

    # and running it again deletes nothing more and leaves the same rows
    again = maintain_table(table_io, small_files_table, "raw", POLICY, RUN_DAY)
    assert again.rows_deleted == 0
    assert ids(spark, small_files_table) == [0, 2, 4, 6, 8, 10]
    assert again.files_after == 1


def test_a_zone_is_every_table_of_its_namespace(spark, table_io, small_files_table):
    # given a second table, of six small files and no batch column, in the same namespace
    namespace = small_files_table.split(".")[1]
    other = table_io.name(namespace, "lookup")
    table_io.ensure_table(other, spark.createDataFrame([], "id long, v string").schema)
    for i in range(6):
        table_io.append(spark.createDataFrame([(i, "x")], "id long, v string"), other)

    # when the namespace is maintained as a zone (not raw or quarantine: no batch retention applies)
    results = maintain_zone(table_io, namespace, POLICY, RUN_DAY)

    # then both tables were compacted and expired, and no row was deleted
    by_table = {r.table: r for r in results}
    assert set(by_table) == {small_files_table, other}
    assert [(r.files_after, r.versions_after, r.rows_deleted) for r in results] == [(2, 1, 0), (1, 1, 0)]
    assert ids(spark, other) == list(range(6))
    assert len(ids(spark, small_files_table)) == 12
