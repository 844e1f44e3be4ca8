"""Load a validated batch plan into raw and quarantine, record every file, and prove conservation.

One call handles an incremental batch (one landing date) or a full refresh (every landing date of
the source): the rows of the plan's dates are replaced in one commit per table, so a re-run
replaces instead of duplicating, and a failed run leaves the previous state visible.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

from pyspark import StorageLevel
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from spark_apps import ingest
from spark_apps.config import EnvConfig, SourceContract, TableSuite, suite_for
from spark_apps.landing import BatchPlan, PlannedFile
from spark_apps.quality.gate import QualityGate
from spark_apps.quality.results import (
    CheckResult,
    QualityGateError,
    RunContext,
    breaches,
    gate_message,
    judge_quarantine_rate,
)
from spark_apps.quality.rules import drop_helpers, failure_reasons
from spark_apps.table_io import PendingMerges, TableIO

log = logging.getLogger(__name__)

MANIFEST_KEYS = ["source", "batch_id", "source_file"]
LOADED_STATUSES = ("loaded", "partially_loaded", "quarantined", "no_rows")
MANIFEST_DDL = (
    "source string, batch_id string, source_file string, file_size long, sha256 string, rows_read long,"
    " rows_loaded long, rows_quarantined long, status string, reason string, run_id string, recorded_at timestamp"
)
WATERMARK_DDL = "source string, column_name string, value string, run_id string, updated_at timestamp"


class ConservationError(RuntimeError):
    """Rows read != rows loaded + rows quarantined: something was lost or duplicated."""


class RawGateError(QualityGateError):
    """A raw batch breached its gate after it was committed: its rows are in raw and quarantine and its
    files in the manifest (nothing is lost), and the task fails so nothing downstream runs on it."""

    def __init__(self, message: str, result: BatchResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class BatchResult:
    source: str
    batch_id: str
    files: int
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    files_rejected: int = 0
    files_skipped: int = 0
    watermark: str | None = None

    @property
    def conserved(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_quarantined

    def summary(self) -> str:
        return (
            f"source={self.source} batch={self.batch_id} files={self.files} files_rejected={self.files_rejected} "
            f"files_skipped_duplicate={self.files_skipped} rows_read={self.rows_read} "
            f"rows_loaded={self.rows_loaded} rows_quarantined={self.rows_quarantined} watermark={self.watermark}"
        )


def batch_id(source: str, batch_date: str) -> str:
    return f"{source}/{batch_date}"


def plan_batch_id(plan: BatchPlan) -> str:
    if plan.mode == "full_refresh":
        return f"{plan.source}/full_refresh"
    return ",".join(batch_id(plan.source, d) for d in plan.batch_dates)


def find_redeliveries(io: TableIO, env: EnvConfig, plan: BatchPlan) -> dict[str, str]:
    """Accepted files whose exact bytes were already loaded: uri -> why it is skipped.

    Identical content loaded by another batch, or appearing earlier in this plan, is a re-delivery.
    The same file re-run within its own batch is not (that is an idempotent re-run, which replaces).
    """
    manifest = env.table("ops", "ingest_manifest")
    seen: dict[str, str] = {}
    if io.exists(manifest):
        own = [batch_id(plan.source, d) for d in plan.batch_dates]
        earlier = (
            io.spark.table(manifest)
            .where((F.col("source") == plan.source) & F.col("status").isin(*LOADED_STATUSES))
            .where(F.lit(plan.mode != "full_refresh") & ~F.col("batch_id").isin(*own))
            .select("sha256", "source_file", "batch_id")
            .collect()
        )
        seen = {r["sha256"]: f"{r['source_file']} (batch {r['batch_id']})" for r in earlier}
    skipped: dict[str, str] = {}
    for f in sorted(plan.accepted(), key=lambda f: (f.batch_date, f.uri)):
        if f.sha256 in seen:
            skipped[f.uri] = f"identical to already loaded {seen[f.sha256]}"
        else:
            seen[f.sha256] = f"{f.uri} (batch {batch_id(plan.source, f.batch_date)})"
    return skipped


def parse_plan(io: TableIO, contract: SourceContract, files: list[PlannedFile], run_id: str) -> DataFrame:
    """Typed rows with reasons and audit columns for the files to load, one batch id per landing date."""
    frames = []
    for date in sorted({f.batch_date for f in files}):
        parsed = ingest.parse_files(io.spark, contract, [f.uri for f in files if f.batch_date == date])
        frames.append(ingest.with_audit(parsed, batch_id(contract.name, date), date, run_id))
    batch = ingest.union_all(frames)
    return ingest.mark_duplicate_keys(batch, contract.primary_key)


def check_batch(
    gate: QualityGate, suite: TableSuite, batch: DataFrame, batch_id: str
) -> tuple[DataFrame, list[CheckResult]]:
    """The raw layer's gate on one batch: the suite measures the rows the contract accepted, and rows
    failing a quarantining rule move to quarantine with ``'<rule>: expected …'`` reasons and the rule
    names in ``_failed_rules``. Returns the batch with those reasons, and the results (not yet enforced)."""
    valid = F.size("_reasons") == 0
    checked = gate.check(suite, batch.where(valid), batch_id)
    reasons = ingest.reason_list(failure_reasons(suite, checked.errored))
    ruled = drop_helpers(checked.flagged().withColumn("_reasons", reasons), suite)
    rejected = batch.where(~valid).withColumn("_failed_rules", F.array().cast("array<string>"))
    return rejected.unionByName(ruled), checked.results


def contract_note(batch: DataFrame, source: str) -> str:
    """What the raw checks did not measure: the rows the source contract already quarantined."""
    row = batch.agg(F.count("*").alias("rows"), F.sum((F.size("_reasons") > 0).cast("long")).alias("rejected")).first()
    rows, rejected = (row["rows"], row["rejected"] or 0) if row else (0, 0)
    return (
        f"{rows:,} rows read. The checks measure the {rows - rejected:,} rows the source contract accepted; "
        f"{rejected:,} rows failed the contract itself (types, formats, required values, duplicate keys) "
        f"and are in quarantine.{source} with their reasons."
    )


def _file_counts(batch: DataFrame, contract: SourceContract) -> tuple[dict[str, tuple[int, int]], Any]:
    """Rows read and loaded per file, and the batch's max incremental value, in one pass."""
    valid = F.size("_reasons") == 0
    inc = contract.incremental_column
    aggs = [F.count("*").alias("read"), F.sum(valid.cast("long")).alias("loaded")]
    aggs.append(F.max(F.when(valid, F.col(inc))).alias("wm") if inc else F.lit(None).alias("wm"))
    rows = batch.groupBy("_source_file").agg(*aggs).collect()
    counts = {_norm(r["_source_file"]): (r["read"], r["loaded"]) for r in rows}
    marks = [r["wm"] for r in rows if r["wm"] is not None]
    return counts, max(marks) if marks else None


def _norm(uri: str) -> str:
    """Spark reports a file as a URL (file:/path, spaces as %20, non-ASCII %-encoded); plans hold the
    name as listed (/path with its spaces)."""
    uri = unquote(uri)
    return uri.removeprefix("file:") if uri.startswith("file:/") and not uri.startswith("file://") else uri


def _manifest_rows(
    plan: BatchPlan, counts: dict[str, tuple[int, int]], skipped: dict[str, str], run_id: str
) -> list[tuple[Any, ...]]:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = []
    for f in plan.files:
        bid = batch_id(plan.source, f.batch_date)
        if not f.accepted:
            status, read, loaded, reason = "rejected", None, 0, f"{f.reason} (moved to {f.quarantined_to})"
        elif f.uri in skipped:
            status, read, loaded, reason = "skipped_duplicate", 0, 0, skipped[f.uri]
        else:
            read, loaded = counts.get(_norm(f.uri), (0, 0))
            reason = None
            status = (
                "no_rows"
                if read == 0
                else "loaded"
                if read == loaded
                else "quarantined"
                if loaded == 0
                else "partially_loaded"
            )
        quarantined = (read - loaded) if read is not None else 0
        rows.append((plan.source, bid, f.uri, f.size, f.sha256, read, loaded, quarantined, status, reason, run_id, now))
    return rows


def _plan_filter(plan: BatchPlan, column: str = "_ingest_date") -> str:
    """The rows a load replaces, as a SQL predicate (both table formats take one)."""
    if plan.mode == "full_refresh":
        return "true"
    dates = ", ".join(f"DATE'{d}'" for d in plan.batch_dates)
    return f"{column} IN ({dates})"


def _replace(io: TableIO, df: DataFrame, table: str, condition: str, partition_by: list[str]) -> int:
    """Replace the rows matching ``condition`` with ``df``; returns the rows the commit added."""
    io.ensure_table(table, df.schema, partition_by=partition_by)
    before = io.last_commit(table)
    io.replace_where(df, table, condition)
    return io.rows_added_since(table, before)


def _update_watermark(
    io: TableIO,
    env: EnvConfig,
    contract: SourceContract,
    plan: BatchPlan,
    new: Any,
    run_id: str,
    pending: PendingMerges,
) -> str | None:
    """Keep the highest incremental value ever loaded (recomputed from scratch on full refresh)."""
    column = contract.incremental_column
    if column is None or new is None:
        return None
    table = env.table("ops", "watermarks")
    spark = io.spark
    schema = spark.createDataFrame([], WATERMARK_DDL).schema
    io.ensure_table(table, schema)
    old = spark.table(table).where(F.col("source") == contract.name).select("value").first()
    value = new
    if old is not None and plan.mode != "full_refresh":
        value = max(new, _parse_like(old["value"], new))
    row = (contract.name, column, _to_text(value), run_id, dt.datetime.now(dt.UTC).replace(tzinfo=None))
    pending.add(spark.createDataFrame([row], schema), table, ["source"])
    return _to_text(value)


def _to_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else str(value)


def _parse_like(text: str, sample: Any) -> Any:
    if isinstance(sample, dt.datetime):
        return dt.datetime.fromisoformat(text)
    if isinstance(sample, dt.date):
        return dt.date.fromisoformat(text)
    if isinstance(sample, Decimal):
        return Decimal(text)
    return type(sample)(text)


def quarantine_rate_check(
    env: EnvConfig, contract: SourceContract, batch: str, run_id: str, counts: dict[str, tuple[int, int]]
) -> CheckResult:
    """The batch's quarantined share against the source's ``max_quarantine_rate`` (default: 1 - the raw
    layer's threshold, so 10 % by default)."""
    rows_read = sum(read for read, _ in counts.values())
    rows_loaded = sum(loaded for _, loaded in counts.values())
    rate = contract.max_quarantine_rate
    min_loaded = env.quality.threshold("raw") if rate is None else 1 - rate
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    ctx = RunContext(run_id, "raw", f"raw.{contract.name}", "ingest", now, batch)
    return judge_quarantine_rate(ctx, rows_read, rows_loaded, min_loaded)


def raw_breaches(suite: TableSuite | None, results: list[CheckResult]) -> list[CheckResult]:
    """What fails a raw batch: the quarantine rate, and the checks that quarantine nothing (row count,
    freshness, anomalies, ``quarantine: false`` rules). A quarantining rule's failing rows are already
    in quarantine, so they count through the quarantine rate rather than failing the batch on their own."""
    governed = {c.name for c in suite.quarantining()} if suite else set()
    return [r for r in breaches(results) if r.check_name not in governed]


IN_MEMORY_BATCH_BYTES = 256 * 1024**2


def cache_level(files: Sequence[PlannedFile]) -> StorageLevel:
    """Where a batch's parsed rows are cached: in memory (spilling to disk) up to ``IN_MEMORY_BATCH_BYTES``
    of landed files, on local disk only above. Parsed rows take several times their file's bytes, and a
    cached block spilled to disk is copied whole back into the heap on its next read under
    MEMORY_AND_DISK: a 3 GB file ran a 1 GB driver out of heap that way. DISK_ONLY streams it back."""
    landed = sum(f.size for f in files)
    return StorageLevel.DISK_ONLY if landed > IN_MEMORY_BATCH_BYTES else StorageLevel.MEMORY_AND_DISK


def ingest_plan(
    io: TableIO,
    env: EnvConfig,
    contract: SourceContract,
    plan: BatchPlan,
    run_id: str,
    as_of: dt.datetime | None = None,
    pending: PendingMerges | None = None,
) -> BatchResult:
    """Load the plan's accepted files; every landed file ends loaded, skipped or rejected in the manifest.

    The raw gate judges the batch: ``config/domains/<domain>/quality/raw.<source>.yaml``'s checks (when
    the suite exists; freshness is judged at ``as_of``, by default the plan's latest batch date) and the
    source's quarantine rate. Rows failing a quarantining rule join the contract's rejects in quarantine.
    Results and reports are written, the batch is committed (raw, quarantine; manifest and watermark with
    ``pending``), and only then does a breach raise ``RawGateError``: nothing is lost, and the task fails
    clearly.

    Loaded and quarantined counts are read back from the tables' own commit summaries, so the
    conservation check is independent of the code that split the rows.

    The ops rows (quality results, manifest, watermark) go to ``pending``, which the caller commits once
    for its whole batch (``ingest_sources``); without it they are committed before this returns or raises.
    """
    if pending is None:
        with PendingMerges(io) as own:
            return ingest_plan(io, env, contract, plan, run_id, as_of, own)
    spark = io.spark
    skipped = find_redeliveries(io, env, plan)
    to_load = [f for f in plan.accepted() if f.uri not in skipped]
    bid = plan_batch_id(plan)
    log.info(
        "batch %s: %d file(s) to load, %d skipped as re-delivered, %d rejected",
        bid,
        len(to_load),
        len(skipped),
        len(plan.rejected()),
    )
    raw_table, q_table = env.table("raw", contract.name), env.table("quarantine", contract.name)
    condition = _plan_filter(plan)

    counts: dict[str, tuple[int, int]] = {}
    watermark = None
    parsed = None
    suite = suite_for(f"raw.{contract.name}")
    results: list[CheckResult] = []
    if to_load:
        # Parse once into the cache; the checks, the counts and both writes read from it.
        parsed = batch = parse_plan(io, contract, to_load, run_id).persist(cache_level(to_load))
        if suite is not None:
            as_of = as_of or dt.datetime.combine(dt.date.fromisoformat(max(plan.batch_dates)), dt.time())
            gate = QualityGate(io, env, run_id, as_of, pending)
            note = contract_note(batch, contract.name)  # before the checks add their own reasons
            batch, results = check_batch(gate, suite, batch, bid)
        counts, watermark = _file_counts(batch, contract)
        results.append(quarantine_rate_check(env, contract, bid, run_id, counts))
        if suite is not None:
            gate.record(results, f"raw.{contract.name}", note)
        raw, quarantine = ingest.raw_rows(batch, contract), ingest.quarantine_rows(batch)
    else:
        raw = spark.createDataFrame([], ingest.raw_ddl(contract))
        quarantine = spark.createDataFrame([], ingest.QUARANTINE_DDL)
    try:
        loaded = _replace(io, raw, raw_table, condition, ["_ingest_date"])
        quarantined = _replace(io, quarantine, q_table, condition, ["_ingest_date"])
    finally:
        if parsed is not None:
            parsed.unpersist()
    rows_read = sum(read for read, _ in counts.values())

    manifest = spark.createDataFrame(_manifest_rows(plan, counts, skipped, run_id), MANIFEST_DDL)
    scope = f"t.source = '{plan.source}'"
    if plan.mode != "full_refresh":
        scope += " AND t.batch_id IN (" + ", ".join(f"'{batch_id(plan.source, d)}'" for d in plan.batch_dates) + ")"
    pending.add(manifest, env.table("ops", "ingest_manifest"), MANIFEST_KEYS, delete_unmatched_where=scope)
    mark = _update_watermark(io, env, contract, plan, watermark, run_id, pending)

    result = BatchResult(
        contract.name, bid, len(plan.files), rows_read, loaded, quarantined, len(plan.rejected()), len(skipped), mark
    )
    log.info("conservation: %s", result.summary())
    if not result.conserved:
        raise ConservationError(f"batch {bid}: rows read {rows_read} != loaded {loaded} + quarantined {quarantined}")
    failed = raw_breaches(suite, results)
    if failed:
        committed = (
            f"\n  batch {bid} is committed: {loaded} row(s) in {raw_table}, {quarantined} in {q_table} with their "
            f"reasons, every file in the manifest; fix the delivery and re-run (the re-run replaces this batch)"
        )
        raise RawGateError(gate_message("raw", failed) + committed, result)
    return result
