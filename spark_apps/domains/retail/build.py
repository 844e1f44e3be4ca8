"""Raw → processing, incrementally: find what changed since the last run and MERGE only that.

One run: the product and date dimensions are small and recomputed whole; customers delivered since the
last run get their SCD2 history rebuilt; the fact recomputes transactions that are new or whose
customer, product or date changed; marts partitioned by month or fiscal year rebuild the partitions
those transactions touch (or everything, as ``marts.refresh`` says). Each table is one atomic commit,
and a re-run with nothing new changes no row. ``full_refresh`` takes the same path with everything
affected, so it gives the tables an incremental history gives.

Progress is a high-water mark of raw ``_ingested_at`` per source in ``ops.processing_state``, saved
only after every table is written: a failed run is simply repeated.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from spark_apps.config import EnvConfig
from spark_apps.domains.retail.marts import MARTS, MartInputs, with_periods
from spark_apps.domains.retail.model import (
    build_dim_date,
    build_dim_product,
    build_fact_transactions,
    customer_versions,
    unknown_customer,
)
from spark_apps.domains.retail.rules import RetailRules
from spark_apps.domains.retail.tables import INCREMENTAL_SOURCES, RAW_SOURCES
from spark_apps.incremental import STATE_SCHEMA, BuildReport, changed_keys, in_predicate
from spark_apps.table_io import TableIO

CONSUMER = "build_processing"


class ModelBuild:
    """Builds curated dimensions and fact and the marts from raw tables, in one environment."""

    def __init__(self, io: TableIO, env: EnvConfig, rules: RetailRules, run_id: str, full_refresh: bool) -> None:
        self.io, self.env, self.rules, self.run_id, self.full = io, env, rules, run_id, full_refresh
        self.spark = io.spark
        self.report = BuildReport()

    def run(self) -> BuildReport:
        raw = {name: self._raw(name) for name in RAW_SOURCES}
        since = {} if self.full else self._high_waters()
        reached = {name: raw[name].agg(F.max("_ingested_at")).collect()[0][0] for name in INCREMENTAL_SOURCES}
        products = self._small_dimension(
            "dim_product", build_dim_product(raw["products"], self.rules), "product_key", "product_id"
        )
        dates = self._small_dimension(
            "dim_date", build_dim_date(raw["fiscal_calendar"], self.rules), "date_key", "calendar_date"
        )
        customers = self._dim_customer(raw["customers"], since.get("customers"))
        affected_dates = self._fact(raw["transactions"], since.get("transactions"), customers, products, dates)
        self._marts(affected_dates)
        self._save_high_waters(reached)
        return self.report

    # ------------------------------------------------------------------ sources and progress

    def _raw(self, name: str) -> DataFrame:
        table = self.env.table("raw", name)
        if not self.io.exists(table):
            raise RuntimeError(f"{table} does not exist: run landing_to_raw for source '{name}' first")
        return self.spark.table(table)

    def _high_waters(self) -> dict[str, dt.datetime]:
        table = self.env.table("ops", "processing_state")
        if not self.io.exists(table):
            return {}
        rows = self.spark.table(table).where(F.col("consumer") == CONSUMER).collect()
        return {r["source"]: r["high_water"] for r in rows if r["high_water"] is not None}

    def _save_high_waters(self, reached: dict[str, dt.datetime | None]) -> None:
        table = self.env.table("ops", "processing_state")
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        rows = [(CONSUMER, s, mark, self.run_id, now) for s, mark in reached.items() if mark is not None]
        df = self.spark.createDataFrame(rows, STATE_SCHEMA)
        self.io.ensure_table(table, df.schema)
        self.io.merge(df, table, ["consumer", "source"])

    # ------------------------------------------------------------------ dimensions

    def _target(self, name: str, df: DataFrame) -> str:
        table = self.env.table("curated", name)
        self.io.ensure_table(table, df.schema)
        return table

    def _small_dimension(self, name: str, dim: DataFrame, key: str, natural_key: str) -> DataFrame:
        """Recompute the whole (small) dimension; returns the natural keys whose rows changed."""
        table = self._target(name, dim)
        dim = dim.localCheckpoint()
        changed = changed_keys(dim, self.spark.table(table), natural_key).localCheckpoint()
        self.io.sync(dim, table, [key], scope="all")
        self.report.add(table, rows=self.spark.table(table).count(), changed_keys=changed.count())
        return changed

    def _dim_customer(self, raw: DataFrame, since: dt.datetime | None) -> DataFrame:
        """Rebuild the SCD2 history of customers delivered since ``since``; returns those whose versions
        changed (new, changed, or history rewritten by a late delivery)."""
        if since is None:
            scope: DataFrame | str = "all"
            history = raw
        else:
            scope = raw.where(F.col("_ingested_at") > F.lit(since)).select("customer_id").distinct().localCheckpoint()
            history = raw.join(scope, "customer_id", "left_semi")
        versions = customer_versions(history, self.rules)
        dim = versions.unionByName(unknown_customer(self.spark, self.rules, versions)).localCheckpoint()
        table = self._target("dim_customer", dim)
        before = self.spark.table(table)
        if isinstance(scope, DataFrame):
            before = before.join(scope, "customer_id", "left_semi").unionByName(
                before.where(F.col("customer_id").isNull())
            )
        changed = changed_keys(dim, before, "customer_id").localCheckpoint()
        self.io.sync(dim, table, ["customer_key"], scope=scope)
        delivered = scope.count() if isinstance(scope, DataFrame) else scope
        self.report.add(
            table,
            rows=self.spark.table(table).count(),
            customers_delivered=delivered,
            customers_changed=changed.count(),
        )
        return changed

    # ------------------------------------------------------------------ fact

    def _fact(
        self,
        raw: DataFrame,
        since: dt.datetime | None,
        customers: DataFrame,
        products: DataFrame,
        dates: DataFrame,
    ) -> DataFrame:
        """Recompute new transactions and those whose dimension rows changed; returns the transaction
        dates (before and after) of every recomputed transaction, for the marts."""
        table = self.env.table("curated", "fact_transactions")
        ids: DataFrame | None = None
        source = raw
        if since is not None:
            # One scan of raw: a row is affected when delivered since the mark or when its customer,
            # product or date changed (the change sets are small and join by broadcast).
            marked = (
                raw.select("transaction_id", "customer_id", "product_id", "transaction_date", "_ingested_at")
                .join(customers.withColumn("_c", F.lit(True)), "customer_id", "left")
                .join(products.withColumn("_p", F.lit(True)), "product_id", "left")
                .join(
                    dates.select(F.col("calendar_date").alias("transaction_date"), F.lit(True).alias("_d")),
                    "transaction_date",
                    "left",
                )
            )
            affected_row = (
                (F.col("_ingested_at") > F.lit(since))
                | F.col("_c").isNotNull()
                | F.col("_p").isNotNull()
                | F.col("_d").isNotNull()
            )
            ids = marked.where(affected_row).select("transaction_id").distinct().localCheckpoint()
            source = raw.join(ids, "transaction_id", "left_semi")
        dims = [self.spark.table(self.env.table("curated", d)) for d in ("dim_customer", "dim_product", "dim_date")]
        customers, products, dates = dims
        fact = build_fact_transactions(source, customers, products, dates, self.rules).localCheckpoint()
        self.io.ensure_table(
            table, fact.schema, partition_by=["months(transaction_date)"], properties=self.rules.fact_table_properties
        )
        before = self.spark.table(table)
        if ids is not None:
            before = before.join(ids, "transaction_id", "left_semi")
        affected = fact.select("transaction_date").union(before.select("transaction_date")).distinct().localCheckpoint()
        self.io.sync(fact, table, ["transaction_id"], scope="all" if ids is None else None)
        self.report.add(table, rows=self.spark.table(table).count(), recomputed=fact.count())
        return affected

    # ------------------------------------------------------------------ marts

    def _marts(self, affected_dates: DataFrame) -> None:
        curated = {
            d: self.spark.table(self.env.table("curated", d)) for d in ("dim_customer", "dim_product", "dim_date")
        }
        fact = with_periods(self.spark.table(self.env.table("curated", "fact_transactions")), curated["dim_date"])
        # The partitions the recomputed transactions live in, before and after: a handful of values.
        periods = (
            affected_dates.join(
                curated["dim_date"].select(F.col("calendar_date").alias("transaction_date"), "fiscal_year"),
                "transaction_date",
                "left",
            )
            .select(
                F.date_format("transaction_date", "yyyy-MM").alias("month"),
                F.coalesce("fiscal_year", F.lit(self.rules.unknown_member_key)).alias("fiscal_year"),
            )
            .distinct()
            .collect()
        )
        for mart in MARTS:
            table = self.env.table("marts", mart.name)
            partial = (
                mart.partition_by is not None
                and self.rules.marts.refresh == "affected"
                and not self.full
                and self.io.exists(table)
            )
            if partial:
                assert mart.partition_by is not None
                values = sorted({r[mart.partition_by] for r in periods}, key=lambda v: (v is None, v))
                if not values:
                    self.report.add(table, rows=self.spark.table(table).count(), partitions_rebuilt=0)
                    continue
                predicate = in_predicate(mart.partition_by, values)
                inputs = MartInputs(fact.where(F.expr(predicate)), curated["dim_customer"], curated["dim_product"])
                rebuilt = f"{len(values)}"
            else:
                predicate = "true"
                inputs = MartInputs(fact, curated["dim_customer"], curated["dim_product"])
                rebuilt = "all"
            df = mart.build(inputs, self.rules)
            self.io.ensure_table(table, df.schema, partition_by=[mart.partition_by] if mart.partition_by else [])
            self.io.replace_where(df, table, predicate)
            self.report.add(table, rows=self.spark.table(table).count(), partitions_rebuilt=rebuilt)
