"""A throw-away Iceberg catalog whose raw tables a test fills batch by batch, as landing → raw would."""

from __future__ import annotations

import datetime as dt
import itertools

from spark_apps.config import SourceContract
from spark_apps.table_io import TableIO

AUDIT = "_batch_id string, _source_file string, _line long, _run_id string, _ingested_at timestamp, _ingest_date date"
_catalogs = itertools.count()


def contract_schema(contract: SourceContract) -> str:
    """A source's raw columns as DDL (without the audit columns)."""
    return ", ".join(f"{c.name} {c.type}" for c in contract.columns)


class RawLake:
    """Raw tables in a fresh catalog, each batch with the audit columns ingest writes, so a test controls
    exactly what was delivered when; landing → raw has tests of its own."""

    def __init__(self, spark, test_env, root, schemas: dict[str, str]) -> None:
        name = f"model{next(_catalogs)}"
        spark.conf.set(f"spark.sql.catalog.{name}", "org.apache.iceberg.spark.SparkCatalog")
        spark.conf.set(f"spark.sql.catalog.{name}.type", "hadoop")
        spark.conf.set(f"spark.sql.catalog.{name}.warehouse", str(root / name))
        self.spark, self.name, self.schemas = spark, name, schemas
        self.env = test_env.model_copy(update={"catalog": test_env.catalog.model_copy(update={"name": name})})
        self.io = TableIO(spark, name)
        self.clock = dt.datetime(2026, 1, 1, 6)
        self.runs = 0

    def deliver(self, batch_date: str, **rows: list[tuple]) -> None:
        """Append one landing batch per source, as landing → raw would."""
        for source, values in rows.items():
            self.clock += dt.timedelta(minutes=1)
            audit = [
                (f"{source}/{batch_date}", f"{source}.csv", i + 2, "r", self.clock, dt.date.fromisoformat(batch_date))
                for i in range(len(values))
            ]
            df = self.spark.createDataFrame(
                [(*v, *a) for v, a in zip(values, audit, strict=True)], f"{self.schemas[source]}, {AUDIT}"
            )
            table = self.env.table("raw", source)
            self.io.ensure_table(table, df.schema)
            self.io.append(df, table)

    def table(self, namespace: str, name: str):
        return self.spark.table(self.env.table(namespace, name))
