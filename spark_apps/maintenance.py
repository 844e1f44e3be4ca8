"""Table maintenance per zone: delete batches past retention, compact, expire old versions, remove
orphan files. Run weekly by the lakehouse_maintenance DAG; every step is safe to repeat."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from spark_apps.config import PARTITION_RETENTION_ZONES, ZoneRetention
from spark_apps.table_io import TableIO, compaction_sql, expiry_sql

BATCH_DATE_COLUMN = "_ingest_date"  # raw and quarantine tables are partitioned by the day a batch landed


@dataclass(frozen=True)
class MaintenanceResult:
    table: str
    files_before: int
    files_after: int
    versions_before: int
    versions_after: int
    rows_deleted: int

    def line(self) -> str:
        return (
            f"MAINTENANCE_RESULT table={self.table} files_before={self.files_before} files_after={self.files_after} "
            f"versions_before={self.versions_before} versions_after={self.versions_after} "
            f"rows_deleted={self.rows_deleted}"
        )


def _timestamp(moment: dt.datetime) -> str:
    """A TIMESTAMP literal to the microsecond (whole seconds would keep snapshots of the last second)."""
    return moment.replace(tzinfo=None).isoformat(sep=" ")


def retention_options(policy: ZoneRetention, now: dt.datetime) -> dict[str, object]:
    """Arguments of ``expiry_sql``. Snapshot and orphan ages are physical (files written at wall-clock
    time), so they count back from ``now``, taken just before expiry (so that with 0 days nothing
    but ``retain_last`` versions survives, the compaction's own included), not from the run's date."""
    return {
        "snapshots_older_than": _timestamp(now - dt.timedelta(days=policy.snapshot_retention_days)),
        "orphans_older_than": _timestamp(now - dt.timedelta(days=policy.orphan_retention_days)),
        "retain_last": policy.retain_last,
        "retain_hours": max(policy.snapshot_retention_days * 24, 168),  # Delta refuses VACUUM under 7 days
    }


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)  # the session time zone is UTC (spark_conf)


def expired_batches_predicate(zone: str, policy: ZoneRetention, as_of: dt.date) -> str | None:
    """The rows past the zone's partition retention, counted back from the run's date (batch dates
    are data dates, so a backfilled maintenance run keeps what that day would have kept)."""
    if zone not in PARTITION_RETENTION_ZONES or policy.partition_retention_days is None:
        return None
    cutoff = as_of - dt.timedelta(days=policy.partition_retention_days)
    return f"{BATCH_DATE_COLUMN} < DATE '{cutoff.isoformat()}'"


def maintain_table(
    io: TableIO,
    table: str,
    zone: str,
    policy: ZoneRetention,
    as_of: dt.date,
    clock: Callable[[], dt.datetime] = utc_now,
) -> MaintenanceResult:
    """Delete expired batches, compact, then expire versions and orphan files, each its own commit."""
    files_before, versions_before = io.file_count(table), io.version_count(table)
    deleted = 0
    predicate = expired_batches_predicate(zone, policy, as_of)
    if predicate and BATCH_DATE_COLUMN in io.spark.table(table).columns:
        deleted = io.delete_where(table, predicate)
    io.execute(compaction_sql(table, io.table_format, policy.zorder_by.get(table.rsplit(".", 1)[1], [])))
    io.execute(expiry_sql(table, io.table_format, **retention_options(policy, clock())))  # type: ignore[arg-type]
    return MaintenanceResult(
        table, files_before, io.file_count(table), versions_before, io.version_count(table), deleted
    )


def maintain_zone(
    io: TableIO, zone: str, policy: ZoneRetention, as_of: dt.date, clock: Callable[[], dt.datetime] = utc_now
) -> list[MaintenanceResult]:
    """Every table of the zone, one after another."""
    return [maintain_table(io, table, zone, policy, as_of, clock) for table in io.tables_in(zone)]
