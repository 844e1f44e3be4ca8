"""Table I/O for every job: create if absent, append, replace a partition, MERGE by keys.

Writes are single ACID commits (Iceberg snapshots), so a failed job leaves nothing half-written and
a re-run of the same batch replaces it instead of duplicating it. SQL text is built by pure functions
so it can be unit-tested for formats that cannot run here (Delta).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import random
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from spark_apps import lake_fs
from spark_apps.config.base import quote

DEFAULT_PROPERTIES = {"format-version": "2", "write.parquet.compression-codec": "zstd"}
# What Iceberg and Delta raise when another writer committed to the table between this write's read
# and its commit: the write is safe to recompute and try again on the new version.
CONFLICT_MARKS = (
    "org.apache.iceberg.exceptions.ValidationException",
    "org.apache.iceberg.exceptions.CommitFailedException",
    "ConcurrentAppendException",
    "ConcurrentDeleteReadException",
    "ConcurrentDeleteDeleteException",
    "ConcurrentTransactionException",
    "MetadataChangedException",
)
# Operational tables (manifest, watermarks, quality results) are written by every DAG run at once.
OPS_CONFLICT_RETRIES = 8
# How long a CREATE TABLE that lost a race waits for the other job's table to appear before failing, and what
# Delta raises while the other job has written files but not yet committed its log.
CREATE_RACE_WAIT_S = 30
DELTA_CREATE_RACE_MARKS = (
    "DELTA_CREATE_TABLE_WITH_NON_EMPTY_LOCATION",
    "DELTA_CREATE_EXTERNAL_TABLE_WITHOUT_TXN_LOG",
)

log = logging.getLogger(__name__)


def is_create_race(exc: BaseException) -> bool:
    """A CREATE TABLE that met another job's table: created already, or (Delta) its files without its log."""
    text = str(exc)
    return "already exists" in text.lower() or any(mark in text for mark in DELTA_CREATE_RACE_MARKS)


def is_commit_conflict(exc: BaseException) -> bool:
    text = f"{type(exc).__name__}: {exc}"
    return any(mark in text for mark in CONFLICT_MARKS)


def create_table_sql(
    table: str,
    schema: StructType,
    partition_by: Sequence[str] = (),
    table_format: str = "iceberg",
    properties: dict[str, str] | None = None,
) -> str:
    """``CREATE TABLE IF NOT EXISTS`` for a schema; partitions are column names or transforms (``days(ts)``).

    Columns are created nullable: required-ness is enforced by contracts and checks, and a NOT NULL
    column would reject later writes whose DataFrame merely *could* hold nulls.
    """
    cols = ",\n  ".join(f"{quote(f.name)} {f.dataType.simpleString()}" for f in schema.fields)
    sql = f"CREATE TABLE IF NOT EXISTS {table} (\n  {cols}\n) USING {table_format}"
    if table_format == "delta":
        # Delta partitions by plain columns only (a transform such as months(d) would need a generated
        # column the schema does not have), and reads only its own delta.* properties
        partition_by = [p for p in partition_by if "(" not in p]
        properties = {k: v for k, v in (properties or {}).items() if k.startswith("delta.")}
    if partition_by:
        sql += f"\nPARTITIONED BY ({', '.join(partition_by)})"
    props = {**(DEFAULT_PROPERTIES if table_format == "iceberg" else {}), **(properties or {})}
    if props:
        sql += "\nTBLPROPERTIES (" + ", ".join(f"'{k}'='{v}'" for k, v in sorted(props.items())) + ")"
    return sql


def add_columns_sql(table: str, fields: Sequence) -> str:
    """``ALTER TABLE … ADD COLUMNS`` for fields a table lacks (both formats accept it)."""
    cols = ", ".join(f"{quote(f.name)} {f.dataType.simpleString()}" for f in fields)
    return f"ALTER TABLE {table} ADD COLUMNS ({cols})"


def merge_sql(
    target: str,
    source_view: str,
    keys: Sequence[str],
    columns: Sequence[str],
    update_condition: str | None = None,
    delete_unmatched_where: str | None = None,
    target_filter: str | None = None,
    delete_flag: str | None = None,
) -> str:
    """MERGE by keys: update matched rows (optionally only when ``update_condition`` holds), insert new ones,
    and with ``delete_unmatched_where`` delete target rows in that scope that the source no longer has
    (so "replace these rows" is one atomic commit even when the scope does not align with files).

    ``target_filter`` (on ``t.`` columns only) narrows the target the MERGE reads, typically to
    partitions, so a MERGE into a large table touches only the months or dates that can match.

    ``delete_flag`` names a boolean source column: a source row with it set deletes its matching target
    row (and is never inserted); the column itself is not written.

    Columns are listed explicitly rather than ``SET *`` so the statement is valid for Iceberg and Delta
    alike and survives a target with extra columns.
    """
    on = " AND ".join(f"t.{quote(k)} = s.{quote(k)}" for k in keys)
    if target_filter:
        on += f" AND ({target_filter})"
    columns = [c for c in columns if c != delete_flag]
    non_keys = [c for c in columns if c not in keys]
    sets = ", ".join(f"t.{quote(c)} = s.{quote(c)}" for c in non_keys)
    cols = ", ".join(quote(c) for c in columns)
    vals = ", ".join(f"s.{quote(c)}" for c in columns)
    matched = (
        f"WHEN MATCHED AND ({update_condition}) THEN UPDATE SET {sets}"
        if update_condition
        else (f"WHEN MATCHED THEN UPDATE SET {sets}")
    )
    deleted = f"WHEN MATCHED AND s.{quote(delete_flag)} THEN DELETE\n" if delete_flag else ""
    insert_if = f" AND NOT s.{quote(delete_flag)}" if delete_flag else ""
    sql = (
        f"MERGE INTO {target} t\nUSING {source_view} s\nON {on}\n"
        + deleted
        + (f"{matched}\n" if non_keys else "")
        + f"WHEN NOT MATCHED{insert_if} THEN INSERT ({cols}) VALUES ({vals})"
    )
    if delete_unmatched_where:
        sql += f"\nWHEN NOT MATCHED BY SOURCE AND ({delete_unmatched_where}) THEN DELETE"
    return sql


def changed_condition(columns: Sequence[str]) -> str:
    """True when any column differs, nulls included, so a MERGE rewrites only rows that really changed."""
    return " OR ".join(f"NOT (t.{quote(c)} <=> s.{quote(c)})" for c in columns)


def delta_history_sql(table: str) -> str:
    return f"DESCRIBE HISTORY {table} LIMIT 1"


def delta_commit_stats(history: dict | None) -> CommitStats:
    """CommitStats from a Delta ``DESCRIBE HISTORY`` row: rows written by a WRITE (replaceWhere) or
    inserted/updated by a MERGE, and rows it removed."""
    if history is None:
        return CommitStats(None, "none", 0, 0, 0)
    m = {k: int(v) for k, v in (history.get("operationMetrics") or {}).items() if str(v).isdigit()}
    added = (
        m.get("numOutputRows", 0)
        if history["operation"] != "MERGE"
        else (m.get("numTargetRowsInserted", 0) + m.get("numTargetRowsUpdated", 0))
    )
    deleted = m.get("numDeletedRows", 0) + m.get("numTargetRowsDeleted", 0)
    return CommitStats(history["version"], history["operation"], added, deleted, -1)


def compaction_sql(table: str, table_format: str = "iceberg", zorder_by: Sequence[str] = ()) -> list[str]:
    """Rewrite small files into fewer large ones. Iceberg: data files (groups of at least 5 files, its
    default) and manifests; Delta: OPTIMIZE, with ZORDER when columns are given."""
    if table_format == "delta":
        return [f"OPTIMIZE {table}" + (f" ZORDER BY ({', '.join(zorder_by)})" if zorder_by else "")]
    catalog, ident = table.split(".", 1)
    return [
        f"CALL {catalog}.system.rewrite_data_files(table => '{ident}')",
        f"CALL {catalog}.system.rewrite_manifests(table => '{ident}')",
    ]


def expiry_sql(
    table: str,
    table_format: str = "iceberg",
    *,
    snapshots_older_than: str | None = None,
    orphans_older_than: str | None = None,
    retain_last: int = 5,
    retain_hours: int = 168,
) -> list[str]:
    """Drop old versions and the files only they referenced. Iceberg: expire snapshots (keeping
    ``retain_last``), remove orphan files (Iceberg refuses an orphan cutoff under 24 hours and defaults
    to 3 days). Delta: VACUUM."""
    if table_format == "delta":
        return [f"VACUUM {table} RETAIN {retain_hours} HOURS"]
    catalog, ident = table.split(".", 1)
    snapshots = f", older_than => TIMESTAMP '{snapshots_older_than}'" if snapshots_older_than else ""
    orphans = f", older_than => TIMESTAMP '{orphans_older_than}'" if orphans_older_than else ""
    return [
        f"CALL {catalog}.system.expire_snapshots(table => '{ident}'{snapshots}, retain_last => {retain_last})",
        f"CALL {catalog}.system.remove_orphan_files(table => '{ident}'{orphans})",
    ]


@dataclass(frozen=True)
class CommitStats:
    """What one commit did, read from the table's own snapshot summary (not from our counters)."""

    snapshot_id: int | None
    operation: str
    added_records: int
    deleted_records: int
    total_records: int  # -1 when the format does not report it (Delta)


class TableIO:
    """Table operations against one catalog, in one table format.

    ``folders`` (Delta outside Databricks): the warehouse folder whose ``<namespace>.db/<table>`` Delta
    folders are the catalog. Spark's session catalog forgets tables when its process ends, so every
    table folder found is registered (by location) when the TableIO is made, and a table another
    process created later is registered the first time ``exists`` asks for it.
    """

    def __init__(
        self, spark: SparkSession, catalog: str, table_format: str = "iceberg", folders: str | None = None
    ) -> None:
        self.spark = spark
        self.catalog = catalog
        self.table_format = table_format
        self.folders = folders.rstrip("/") if folders else None
        if self.folders:
            found = [
                (db[: -len(".db")], table)
                for db in lake_fs.subfolders(spark, self.folders)
                if db.endswith(".db")
                for table in lake_fs.subfolders(spark, f"{self.folders}/{db}")
            ]
            # each registration reads its table's log: in parallel, about half the time on 2 cores
            with ThreadPoolExecutor(max_workers=4) as pool:
                list(pool.map(lambda nt: self._register(*nt), found))

    @classmethod
    def for_env(cls, spark: SparkSession, env) -> TableIO:
        folders = env.catalog.warehouse if env.table_format == "delta" and env.catalog.type == "hadoop" else None
        return cls(spark, env.catalog.name, env.table_format, folders)

    def _register(self, namespace: str, table: str) -> bool:
        """Register a Delta table folder in the session catalog; False when the folder holds no table."""
        location = f"{self.folders}/{namespace}.db/{table}"
        if not lake_fs.exists(self.spark, f"{location}/_delta_log"):
            return False
        self.spark.sql(
            f"CREATE NAMESPACE IF NOT EXISTS {self.catalog}.{quote(namespace)} LOCATION '{self.folders}/{namespace}.db'"
        )
        self.spark.sql(f"CREATE TABLE IF NOT EXISTS {self.name(namespace, table)} USING delta LOCATION '{location}'")
        return True

    def name(self, namespace: str, table: str) -> str:
        return f"{self.catalog}.{namespace}.{table}"

    def exists(self, table: str) -> bool:
        if self.spark.catalog.tableExists(table):
            return True
        if self.folders:
            _, namespace, name = table.rsplit(".", 2)
            return self._register(namespace, name)
        return False

    def ensure_table(
        self,
        table: str,
        schema: StructType,
        partition_by: Sequence[str] = (),
        properties: dict[str, str] | None = None,
    ) -> None:
        """Create the table if absent; a table created by an earlier release gains the columns ``schema``
        added since (new columns are nullable, so existing rows read them as null)."""
        namespace = table.rsplit(".", 1)[0]
        self.spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {namespace}")
        try:
            self.spark.sql(create_table_sql(table, schema, partition_by, self.table_format, properties))
        except Exception as exc:
            if not self._created_meanwhile(table, exc):
                raise
        existing = {c.lower() for c in self.spark.table(table).columns}
        missing = [f for f in schema.fields if f.name.lower() not in existing]
        if missing:
            self.spark.sql(add_columns_sql(table, missing))

    def _created_meanwhile(self, table: str, exc: Exception) -> bool:
        """Whether another job created ``table`` between this one's IF NOT EXISTS and its commit (processing
        DAGs started together all create the shared ops tables on a new lake). Iceberg says the table
        exists; Delta finds the location taken by files whose log the other job has not committed yet, so
        the table is looked for until it appears, for up to ``CREATE_RACE_WAIT_S``."""
        if not is_create_race(exc):
            return False
        deadline = time.monotonic() + CREATE_RACE_WAIT_S
        while True:
            try:
                if self.exists(table):
                    log.info("%s was created by another job meanwhile: using it", table)
                    return True
            except Exception as again:  # registering the Delta folder met the same half-created table
                if not is_create_race(again):
                    raise
            if time.monotonic() > deadline:
                return False
            time.sleep(0.5)

    def append(self, df: DataFrame, table: str) -> None:
        df.writeTo(table).append()

    def replace_where(self, df: DataFrame, table: str, predicate: str) -> None:
        """Atomically delete the rows matching the SQL ``predicate`` and add ``df``: one commit, so a re-run
        of a batch replaces it and an empty batch still clears what an earlier run wrote.
        Overwrite-by-expression in both formats (Delta runs it as its ``replaceWhere``)."""
        df.writeTo(table).overwrite(F.expr(predicate))

    def merge(
        self,
        df: DataFrame,
        table: str,
        keys: Sequence[str],
        update_condition: str | None = None,
        delete_unmatched_where: str | None = None,
        target_filter: str | None = None,
        delete_flag: str | None = None,
        conflict_retries: int = 0,
    ) -> None:
        """Upsert ``df`` (unique on ``keys``) into ``table``; optionally delete what ``df`` lacks in a scope.

        ``conflict_retries``: a MERGE that lost a race with another writer's commit is run again (against
        the new version, after a jittered back-off) up to that many times; any other error is raised."""
        view = f"merge_src_{uuid.uuid4().hex[:12]}"
        df.createOrReplaceTempView(view)
        sql = merge_sql(
            table, view, keys, df.columns, update_condition, delete_unmatched_where, target_filter, delete_flag
        )
        try:
            for attempt in range(conflict_retries + 1):
                try:
                    self.spark.sql(sql)
                    return
                except Exception as exc:
                    if attempt == conflict_retries or not is_commit_conflict(exc):
                        raise
                    log.warning("MERGE into %s lost a commit race (try %d), retrying: %s", table, attempt + 1, exc)
                    time.sleep(random.uniform(0.2, 0.5) * 2**attempt)
        finally:
            self.spark.catalog.dropTempView(view)

    def sync(self, df: DataFrame, table: str, keys: Sequence[str], scope: DataFrame | str | None = None) -> None:
        """Make ``table`` agree with ``df`` in one MERGE: insert new keys, update rows whose values changed
        (unchanged rows are not rewritten) and delete the target rows in ``scope`` that ``df`` lacks.

        ``scope`` is ``None`` (delete nothing), ``"all"`` (the whole table) or a frame of column values
        (say the keys a late delivery affected) selecting the target rows ``df`` is the complete truth for.
        """
        flag = "_sync_delete"
        source = df.withColumn(flag, F.lit(False))
        if scope is not None:
            target = self.spark.table(table)
            if isinstance(scope, DataFrame):
                target = target.join(scope.distinct(), scope.columns, "left_semi")
            elif scope != "all":
                raise ValueError(f"scope must be None, 'all' or a DataFrame, not {scope!r}")
            gone = target.select(*keys).join(df.select(*keys), list(keys), "left_anti")
            placeholders = [
                F.col(f.name) if f.name in keys else F.lit(None).cast(f.dataType).alias(f.name) for f in df.schema
            ]
            source = source.unionByName(gone.select(*placeholders, F.lit(True).alias(flag)))
        non_keys = [c for c in df.columns if c not in keys]
        changed = changed_condition(non_keys) if non_keys else None
        self.merge(source, table, keys, update_condition=changed, delete_flag=flag)

    def last_commit(self, table: str) -> CommitStats:
        """Counts from the newest commit's own metadata, used to prove row conservation independently."""
        if self.table_format == "delta":
            row = self.spark.sql(delta_history_sql(table)).first()
            return delta_commit_stats(row.asDict() if row else None)
        row = self.spark.sql(
            f"SELECT snapshot_id, operation, summary FROM {table}.snapshots ORDER BY committed_at DESC LIMIT 1"
        ).first()
        if row is None:
            return CommitStats(None, "none", 0, 0, 0)
        summary = row["summary"]
        return CommitStats(
            snapshot_id=row["snapshot_id"],
            operation=row["operation"],
            added_records=int(summary.get("added-records", 0)),
            deleted_records=int(summary.get("deleted-records", 0)),
            total_records=int(summary.get("total-records", 0)),
        )

    def current_version(self, table: str) -> int | None:
        """The table's current version (Iceberg snapshot id, Delta version); None before the first write."""
        return self.last_commit(table).snapshot_id

    def read_version(self, table: str, version: int | None) -> DataFrame:
        """The table as of ``version`` (time travel; the same SQL for Iceberg and Delta)."""
        if version is None:
            return self.spark.table(table)
        return self.spark.sql(f"SELECT * FROM {table} VERSION AS OF {int(version)}")

    def execute(self, statements: Sequence[str]) -> list[str]:
        """Run SQL statements in order (the maintenance procedures of ``compaction_sql`` and ``expiry_sql``,
        which ``spark_apps.maintenance`` runs in two steps); returns them."""
        for sql in statements:
            self.spark.sql(sql)
        return list(statements)

    def tables_in(self, namespace: str) -> list[str]:
        """Every table of ``<catalog>.<namespace>`` (none when the namespace does not exist yet)."""
        namespaces = {r[0] for r in self.spark.sql(f"SHOW NAMESPACES IN {self.catalog}").collect()}
        if namespace not in namespaces:
            return []
        rows = self.spark.sql(f"SHOW TABLES IN {self.catalog}.{namespace}").collect()
        return sorted(self.name(namespace, r["tableName"]) for r in rows)

    def file_count(self, table: str) -> int:
        """Data files the current version reads (what compaction reduces)."""
        if self.table_format == "delta":
            return int(self.spark.sql(f"DESCRIBE DETAIL {table}").collect()[0]["numFiles"])
        return int(self.spark.sql(f"SELECT count(*) FROM {table}.files").collect()[0][0])

    def last_update(self, table: str) -> dt.datetime | None:
        """When the table last changed (its newest commit, UTC); None before the first commit."""
        if self.table_format == "delta":
            history = self.spark.sql(f"DESCRIBE HISTORY {table}").selectExpr("CAST(max(timestamp) AS DOUBLE)")
            seconds = history.collect()[0][0]
        else:
            seconds = self.spark.sql(f"SELECT CAST(max(committed_at) AS DOUBLE) FROM {table}.snapshots").collect()[0][0]
        return None if seconds is None else dt.datetime.fromtimestamp(seconds, dt.UTC)

    def version_count(self, table: str) -> int:
        """Versions still readable by time travel (Iceberg snapshots; Delta history entries)."""
        if self.table_format == "delta":
            return int(self.spark.sql(f"DESCRIBE HISTORY {table}").count())
        return int(self.spark.sql(f"SELECT count(*) FROM {table}.snapshots").collect()[0][0])

    def delete_where(self, table: str, predicate: str) -> int:
        """Delete the rows matching ``predicate`` in one commit (metadata-only when it matches whole
        partitions); returns the rows deleted, from the commit's own metadata."""
        before = self.last_commit(table)
        self.spark.sql(f"DELETE FROM {table} WHERE {predicate}")
        after = self.last_commit(table)
        return 0 if after.snapshot_id == before.snapshot_id else after.deleted_records

    def rows_added_since(self, table: str, before: CommitStats) -> int:
        """Rows the commit after ``before`` added; 0 when no new snapshot was committed."""
        after = self.last_commit(table)
        return 0 if after.snapshot_id == before.snapshot_id else after.added_records


@dataclass
class _Merge:
    keys: tuple[str, ...]
    frames: list[DataFrame]
    scopes: list[str]


class PendingMerges:
    """MERGEs into shared tables (the ops tables) gathered over one job and committed as one MERGE per table.

    A commit costs about the same whatever its rows: a MERGE of a few manifest rows took 1 to 2 s in Delta,
    and the next read of that table rebuilt its snapshot. Landing's one application loads every source of a
    batch, so it gathers each source's manifest, quality-result and watermark rows and commits them once
    (``with PendingMerges(io) as pending:``, flushed on exit, also when a source failed).

    The parts must be disjoint on ``keys`` (each source owns its rows), so one MERGE of their union with the
    OR of their delete scopes commits what the MERGEs one after another would have.
    """

    def __init__(self, io: TableIO, conflict_retries: int = OPS_CONFLICT_RETRIES) -> None:
        self.io = io
        self.conflict_retries = conflict_retries
        self._merges: dict[str, _Merge] = {}

    def add(self, df: DataFrame, table: str, keys: Sequence[str], delete_unmatched_where: str | None = None) -> None:
        """Gather ``df`` for a MERGE by ``keys`` into ``table`` (with ``delete_unmatched_where``, as
        ``TableIO.merge``); every part of one table takes the same keys."""
        merge = self._merges.setdefault(table, _Merge(tuple(keys), [], []))
        if merge.keys != tuple(keys):
            raise ValueError(f"MERGEs into {table} gathered with different keys: {merge.keys} and {tuple(keys)}")
        merge.frames.append(df)
        if delete_unmatched_where:
            merge.scopes.append(delete_unmatched_where)

    def flush(self) -> None:
        """Commit what was gathered, one MERGE per table in the order first added; then start afresh."""
        merges, self._merges = self._merges, {}
        for table, merge in merges.items():
            df = functools.reduce(DataFrame.unionByName, merge.frames)
            scope = " OR ".join(f"({s})" for s in merge.scopes) or None
            self.io.ensure_table(table, df.schema)
            self.io.merge(df, table, merge.keys, delete_unmatched_where=scope, conflict_retries=self.conflict_retries)

    def __enter__(self) -> PendingMerges:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.flush()
