"""Export gold tables as Parquet for the warehouse, with a manifest the loader reconciles against.

Two modes per table (``config/domains/<domain>/warehouse.yaml``):
- ``full``: every row; the loader also deletes warehouse rows the export lacks, so the warehouse
  table equals the lake table (dimensions whose history was rewritten, marts whose groups vanished).
- ``changes``: only rows added or changed since the table version the target last loaded (its
  mark, ``exports/<table>/_loaded_<target>.json``, written by the loader after it committed). With
  no mark, or when that version has been expired, the export is full. Deletions are not carried:
  a table that loses rows needs ``full``.

Every manifest also carries the whole table's count and sums at the exported version, so the loader
reconciles the whole warehouse table, not only the rows just sent: drift (a row changed, added or
lost in the warehouse) fails the load and makes the next export full, which repairs it.

Nested columns (arrays, maps, structs) are exported as JSON text, which every target can store.
With ``pii.mask_exports`` (non-prod environments), columns the contracts flag as PII are exported
masked (``spark_apps.pii``: salted SHA-256 or redaction, deterministic).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import asdict, dataclass, field

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, MapType, StructType

from spark_apps import lake_fs
from spark_apps.config import EnvConfig, WarehouseTable, pii_columns, s3_url
from spark_apps.pii import mask_pii
from spark_apps.table_io import TableIO

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportManifest:
    table: str
    run_id: str
    path: str
    rows: int
    keys: list[str]
    measures: dict[str, str]  # measure -> exact decimal sum as text ("" when all null)
    columns: list[str]
    export: str = "full"  # what was written: full | changes
    version: int | None = None  # the lake table's version (Iceberg snapshot / Delta version) exported
    base_version: int | None = None  # for changes: the version the rows changed since
    skipped: str | None = None  # why nothing was exported (the lake table does not exist yet)
    copy_manifest: str | None = None  # the Redshift COPY manifest listing exactly the part files written
    # the whole lake table at ``version``: what the warehouse table must hold once the export is loaded,
    # whatever the export carried (a changes export is reconciled on its keys *and* on the whole table)
    table_rows: int | None = None
    table_measures: dict[str, str] = field(default_factory=dict)
    # column -> Spark type of the written Parquet: a table without its own DDL template gets one from this
    column_types: dict[str, str] = field(default_factory=dict)
    exported_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def totals(df: DataFrame, measures: list[str]) -> tuple[int, dict[str, str]]:
    """Row count and exact sums in one pass; sums stay decimals so reconciliation is exact."""
    aggs = [F.count(F.lit(1)).alias("_rows")] + [F.sum(m).cast("string").alias(m) for m in measures]
    row = df.agg(*aggs).first()
    assert row is not None
    return int(row["_rows"]), {m: row[m] or "" for m in measures}


def copy_manifest(files: list[tuple[str, int]]) -> str:
    """A Redshift COPY manifest of the part files: a columnar COPY then reads only those, never the
    ``_manifest.json`` or ``_SUCCESS`` beside them. Redshift needs each file's ``content_length`` for
    Parquet, and ``s3://`` URLs (Spark may name them ``s3a://``)."""
    entries = [{"url": s3_url(uri), "mandatory": True, "meta": {"content_length": size}} for uri, size in files]
    return json.dumps({"entries": entries}, indent=2)


def portable(df: DataFrame) -> DataFrame:
    """Arrays, maps and structs as JSON text; other columns unchanged."""
    nested = (ArrayType, MapType, StructType)
    return df.select(
        *[F.to_json(f.name).alias(f.name) if isinstance(f.dataType, nested) else F.col(f.name) for f in df.schema]
    )


def loaded_version(spark: SparkSession, env: EnvConfig, table: str) -> int | None:
    try:
        return json.loads(lake_fs.read_text(spark, env.loaded_mark_path(table)))["version"]
    except Exception as exc:  # no mark yet (first load) or unreadable: export everything
        if "FileNotFound" not in type(exc).__name__ + str(exc):
            log.warning("cannot read the load mark of %s (%s); exporting the full table", table, exc)
        return None


def rows_to_export(
    io: TableIO, table: str, spec: WarehouseTable, base: int | None
) -> tuple[DataFrame, int | None, str]:
    """The rows to export at the table's current version: all of them, or those changed since ``base``."""
    version = io.current_version(table)
    current = io.read_version(table, version)
    if spec.export == "changes" and base is not None and version is not None:
        try:
            previous = io.read_version(table, base)
            return current.subtract(previous), version, "changes"
        except Exception as exc:  # the base version was expired by maintenance
            log.warning("%s: version %s is gone (%s); exporting the full table", table, base, exc)
    return current, version, "full"


def export_table(io: TableIO, env: EnvConfig, name: str, spec: WarehouseTable, run_id: str) -> ExportManifest:
    """Write the rows, then the manifest last: a manifest's presence means the export is complete."""
    spark = io.spark
    path = env.export_path(name, run_id)
    namespace, table_name = spec.source.split(".")
    table = env.table(namespace, table_name)
    if not io.exists(table):
        manifest = ExportManifest(name, run_id, path, 0, spec.keys, {}, [], skipped=f"{table} does not exist yet")
    else:
        base = loaded_version(spark, env, name) if spec.export == "changes" else None
        df, version, mode = rows_to_export(io, table, spec, base)
        if env.pii.mask_exports:
            masking = env.pii.masking()
            if masking.method != env.pii.method:
                log.warning("%s: no PII salt (PIPELINE_PII_SALT): PII columns are exported redacted", name)
            df = mask_pii(df, pii_columns(), masking)
        portable(df).write.mode("overwrite").parquet(path)
        written = spark.read.parquet(path)
        rows, sums = totals(written, spec.measures)
        table_rows, table_sums = (
            (rows, sums) if mode == "full" else totals(io.read_version(table, version), spec.measures)
        )
        copy_path = f"{path}/{EnvConfig.COPY_MANIFEST}"
        lake_fs.write_text(spark, copy_path, copy_manifest(lake_fs.list_files(spark, path, ".parquet")))
        manifest = ExportManifest(
            name,
            run_id,
            path,
            rows,
            spec.keys,
            sums,
            written.columns,
            mode,
            version,
            base if mode == "changes" else None,
            copy_manifest=copy_path,
            table_rows=table_rows,
            table_measures=table_sums,
            column_types={f.name: f.dataType.simpleString() for f in written.schema.fields},
        )
    lake_fs.write_text(spark, f"{path}/{EnvConfig.EXPORT_MANIFEST}", manifest.to_json())
    return manifest
