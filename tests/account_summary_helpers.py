"""Spark-side helpers for the account-summary tests: typed source frames and comparable table contents."""

from __future__ import annotations

from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from spark_apps.config import SummaryConfig, load_contract_by_name
from spark_apps.sample_data import ACCOUNT_SNAPSHOT_COLUMNS


def source_frame(spark: SparkSession, records: list[dict[str, Any]]) -> DataFrame:
    """Snapshot dicts as the raw table types them (per the account_snapshots contract)."""
    contract = load_contract_by_name("account_snapshots")
    rows = [tuple(None if r.get(c) is None else str(r[c]) for c in ACCOUNT_SNAPSHOT_COLUMNS) for r in records]
    frame = spark.createDataFrame(rows, ", ".join(f"{c} string" for c in ACCOUNT_SNAPSHOT_COLUMNS))
    return frame.select(*[F.col(c).cast(contract.column(c).type).alias(c) for c in ACCOUNT_SNAPSHOT_COLUMNS])


def comparable(df: DataFrame, cfg: SummaryConfig) -> dict[tuple[int, str], dict[str, Any]]:
    """Table rows keyed by (account, month), with the columns the oracle states."""
    k = cfg.keys
    cols = [k.account, k.month, k.order, *[rc.name for rc in cfg.rolling_columns], *[g.name for g in cfg.grid_columns]]
    return {(r[k.account], r[k.month]): r.asDict() for r in df.select(*cols).collect()}
