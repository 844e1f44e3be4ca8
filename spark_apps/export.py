"""Export gold tables as Parquet for the warehouse, with a manifest the loader reconciles against."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from spark_apps import lake_fs
from spark_apps.config import EnvConfig, WarehouseTable


@dataclass(frozen=True)
class ExportManifest:
    table: str
    run_id: str
    path: str
    rows: int
    keys: list[str]
    measures: dict[str, str]  # measure -> exact decimal sum as text ("" when all null)
    columns: list[str]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def totals(df: DataFrame, measures: list[str]) -> tuple[int, dict[str, str]]:
    """Row count and exact sums in one pass; sums stay decimals so reconciliation is exact."""
    aggs = [F.count(F.lit(1)).alias("_rows")] + [F.sum(m).cast("string").alias(m) for m in measures]
    row = df.agg(*aggs).first()
    assert row is not None
    return int(row["_rows"]), {m: row[m] or "" for m in measures}


def export_table(df: DataFrame, env: EnvConfig, name: str, spec: WarehouseTable, run_id: str) -> ExportManifest:
    """Write the rows, then the manifest last: a manifest's presence means the export is complete."""
    path = env.export_path(name, run_id)
    df.write.mode("overwrite").parquet(path)
    written = df.sparkSession.read.parquet(path)
    rows, sums = totals(written, spec.measures)
    manifest = ExportManifest(name, run_id, path, rows, spec.keys, sums, written.columns)
    lake_fs.write_text(df.sparkSession, f"{path}/{EnvConfig.EXPORT_MANIFEST}", manifest.to_json())
    return manifest
