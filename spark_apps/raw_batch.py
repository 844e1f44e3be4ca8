"""Load one batch (a source and a date) from landing into raw and quarantine, and prove conservation."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pyspark import StorageLevel
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from spark_apps import ingest, lake_fs
from spark_apps.config import EnvConfig, SourceContract
from spark_apps.table_io import TableIO

log = logging.getLogger(__name__)

MANIFEST_KEYS = ["source", "batch_id", "source_file"]


class ConservationError(RuntimeError):
    """Rows read != rows loaded + rows quarantined: something was lost or duplicated."""


@dataclass(frozen=True)
class BatchResult:
    source: str
    batch_id: str
    files: int
    rows_read: int
    rows_loaded: int
    rows_quarantined: int

    @property
    def conserved(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_quarantined

    def summary(self) -> str:
        return (
            f"source={self.source} batch={self.batch_id} files={self.files} rows_read={self.rows_read} "
            f"rows_loaded={self.rows_loaded} rows_quarantined={self.rows_quarantined}"
        )


def batch_id(source: str, batch_date: str) -> str:
    return f"{source}/{batch_date}"


def group_by_layout(
    io: TableIO, contract: SourceContract, files: list[lake_fs.LakeFile]
) -> dict[ingest.HeaderLayout, list[str]]:
    """Read each file's header (first line only) and group files that share a layout."""
    groups: dict[ingest.HeaderLayout, list[str]] = {}
    for f in files:
        header = lake_fs.read_first_line(io.spark, f.path)
        fields = ingest.split_header(header, contract.reader.delimiter, contract.reader.quote)
        groups.setdefault(ingest.plan_layout(contract, fields), []).append(f.path)
    return groups


def _manifest(batch: DataFrame, files: list[lake_fs.LakeFile], source: str, bid: str, run_id: str) -> DataFrame:
    spark = batch.sparkSession
    sizes = spark.createDataFrame([(f.path, f.size) for f in files], "source_file string, file_size long")
    counts = batch.groupBy(F.col("_source_file").alias("source_file")).agg(
        F.count("*").alias("rows_read"),
        F.sum((F.size("_reasons") == 0).cast("long")).alias("rows_loaded"),
    )
    return (
        sizes.join(counts, "source_file", "left")
        .fillna(0, ["rows_read", "rows_loaded"])
        .select(
            F.lit(source).alias("source"),
            F.lit(bid).alias("batch_id"),
            "source_file",
            "file_size",
            "rows_read",
            "rows_loaded",
            (F.col("rows_read") - F.col("rows_loaded")).alias("rows_quarantined"),
            F.when(F.col("rows_read") == F.col("rows_loaded"), "loaded")
            .when(F.col("rows_loaded") == 0, "quarantined")
            .otherwise("partially_loaded")
            .alias("status"),
            F.lit(run_id).alias("run_id"),
            F.current_timestamp().alias("recorded_at"),
        )
    )


def ingest_batch(io: TableIO, env: EnvConfig, contract: SourceContract, batch_date: str, run_id: str) -> BatchResult:
    """Replace the batch in raw and quarantine (one commit each) and record it in the manifest.

    Loaded and quarantined counts are read back from the tables' own commit summaries, so the
    conservation check is independent of the code that split the rows.
    """
    bid = batch_id(contract.name, batch_date)
    pattern = env.lake.path("landing", contract.name, batch_date, contract.glob)
    files = lake_fs.glob_files(io.spark, pattern)
    log.info("batch %s: %d file(s) match %s", bid, len(files), pattern)
    if not files:
        return BatchResult(contract.name, bid, 0, 0, 0, 0)

    batch = ingest.with_audit(
        ingest.parse_batch(io.spark, contract, group_by_layout(io, contract, files)), bid, batch_date, run_id
    ).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        manifest = _manifest(batch, files, contract.name, bid, run_id).persist()
        rows_read = sum(r["rows_read"] for r in manifest.collect())

        raw, quarantine = ingest.raw_rows(batch, contract), ingest.quarantine_rows(batch)
        raw_table = env.table("raw", contract.name)
        q_table = env.table("quarantine", contract.name)
        this_batch = F.col("_ingest_date") == F.lit(batch_date).cast("date")

        io.ensure_table(raw_table, raw.schema, partition_by=["_ingest_date"])
        before = io.last_commit(raw_table)
        io.replace_where(raw, raw_table, this_batch)
        loaded = io.rows_added_since(raw_table, before)

        io.ensure_table(q_table, quarantine.schema, partition_by=["_ingest_date"])
        before = io.last_commit(q_table)
        io.replace_where(quarantine, q_table, this_batch)
        quarantined = io.rows_added_since(q_table, before)

        manifest_table = env.table("ops", "ingest_manifest")
        io.ensure_table(manifest_table, manifest.schema)
        io.merge(manifest, manifest_table, MANIFEST_KEYS)
        manifest.unpersist()
    finally:
        batch.unpersist()

    result = BatchResult(contract.name, bid, len(files), rows_read, loaded, quarantined)
    log.info("conservation: %s", result.summary())
    if not result.conserved:
        raise ConservationError(f"batch {bid}: rows read {rows_read} != loaded {loaded} + quarantined {quarantined}")
    return result
