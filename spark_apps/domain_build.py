"""Build a domain's declared models (``spark_apps.model_spec``), in the order the domain declares them.

Each model: its inputs are read (a missing optional raw input reads as empty, with its contract's
columns), its select runs over them (Spark SQL whose table names are the inputs' aliases, with the
named parameters ``:as_of`` and ``:run_id``, or a transform of ``spark_apps/domains/<domain>.py``), and
the result is materialized in one commit per table. Keys are checked before anything is written: a
select that yields two rows for one key fails the run naming the model and a key, never a half-written
table. Re-running with the same raw data changes no row (MERGEs rewrite only changed rows).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from spark_apps.config import EnvConfig, load_contract_by_name
from spark_apps.incremental import STATE_SCHEMA, BuildReport, in_predicate
from spark_apps.ingest import raw_ddl
from spark_apps.model_spec import DomainSpec, ModelSpec, SeedSpec
from spark_apps.scd2 import OPEN_END, scd2_versions
from spark_apps.table_io import TableIO

Transform = Callable[[dict[str, DataFrame], dict[str, str]], DataFrame]


class ModelError(RuntimeError):
    """A model's output breaks its declaration (say, two rows for one key); nothing of it was written."""


def seed_frame(spark: SparkSession, seed: SeedSpec) -> DataFrame:
    """A seed's rows, typed as declared (values are cast from their YAML form)."""
    text = spark.createDataFrame(
        [tuple(None if v is None else str(v) for v in row) for row in seed.rows],
        ", ".join(f"`{c}` string" for c in seed.columns),
    )
    return text.select(*[F.col(c).cast(t).alias(c) for c, t in seed.columns.items()])


def duplicate_keys(df: DataFrame, keys: list[str], limit: int = 3) -> list[dict[str, object]]:
    """Up to ``limit`` keys that more than one row of ``df`` carries."""
    dups = df.groupBy(*keys).count().where("count > 1").drop("count").limit(limit)
    return [r.asDict() for r in dups.collect()]


def unknown_row(model: ModelSpec, df: DataFrame) -> DataFrame:
    """The model's unknown member: its key, its declared display values, nulls elsewhere (an SCD2 member
    is current and valid for all time)."""
    assert model.unknown_member is not None
    member = model.unknown_member
    row: dict[str, object] = dict.fromkeys(df.columns)
    row.update(member.values)
    row[model.unique_key[0]] = member.key
    if model.scd2 is not None:
        row.update(
            attr_hash="unknown",
            valid_from=model.scd2.first_valid_from,
            valid_to=dt.date.fromisoformat(OPEN_END),
            is_current=True,
        )
    return df.sparkSession.createDataFrame([row], df.schema)


class DomainBuild:
    """Builds every model of one domain in one environment."""

    def __init__(
        self, io: TableIO, env: EnvConfig, domain: DomainSpec, run_id: str, as_of: dt.date, full_refresh: bool
    ) -> None:
        self.io, self.env, self.domain, self.run_id = io, env, domain, run_id
        self.spark = io.spark
        self.params = {"as_of": as_of.isoformat(), "run_id": run_id}
        self.full = full_refresh
        self.consumer = f"domain:{domain.name}"
        self.report = BuildReport()

    def run(self) -> BuildReport:
        marks = {} if self.full else self._high_waters()
        reached: dict[str, dt.datetime | None] = {}
        for model in self.domain.models:
            inputs = {alias: self._input(model, alias) for alias in model.inputs}
            if model.incremental is not None:
                mark_key = f"{model.name}:{model.incremental}"
                whole = inputs[model.incremental]
                reached[mark_key] = whole.agg(F.max("_ingested_at")).collect()[0][0]
                if mark_key in marks:
                    inputs[model.incremental] = whole.where(F.col("_ingested_at") > F.lit(marks[mark_key]))
            self._materialize(model, self._select(model, inputs))
        self._save_high_waters(reached)
        return self.report

    # ------------------------------------------------------------------ inputs and select

    def _input(self, model: ModelSpec, alias: str) -> DataFrame:
        spec = model.input(alias)
        zone, name = spec.table.split(".", 1)
        if zone == "seed":
            return seed_frame(self.spark, self.domain.seeds[name])
        table = self.env.table(zone, name)
        if self.io.exists(table):
            return self.spark.table(table)
        if spec.optional:
            return self.spark.createDataFrame([], raw_ddl(load_contract_by_name(name)))
        raise RuntimeError(f"model {model.name}: input {table} does not exist (build or ingest it first)")

    def _select(self, model: ModelSpec, inputs: dict[str, DataFrame]) -> DataFrame:
        if model.transform is not None:
            module = importlib.import_module(f"spark_apps.domains.{self.domain.name}")
            fn: Transform = getattr(module, model.transform)
            return fn(inputs, self.params)
        for alias, df in inputs.items():
            df.createOrReplaceTempView(alias)
        try:
            # materialized before the views go: the plan must not depend on them afterwards
            return self.spark.sql(model.select or "", args=self.params).localCheckpoint()
        finally:
            for alias in inputs:
                self.spark.catalog.dropTempView(alias)

    # ------------------------------------------------------------------ materializations

    def _materialize(self, model: ModelSpec, df: DataFrame) -> None:
        if model.scd2 is not None:
            attributes = [c for c in df.columns if c not in model.keys and not c.startswith("_")]
            attributes = [c for c in attributes if c != model.scd2.effective_from]
            df = scd2_versions(
                df,
                model.keys,
                model.scd2.tracked,
                model.scd2.surrogate_key,
                model.scd2.effective_from,
                model.scd2.first_valid_from,
                attributes,
            )
        if model.unknown_member is not None:
            df = df.unionByName(unknown_row(model, df))
        df = df.localCheckpoint()
        if dups := duplicate_keys(df, model.unique_key):
            raise ModelError(
                f"model {model.name}: more than one row per key ({', '.join(model.unique_key)}), e.g. {dups};"
                " nothing was written"
            )
        table = self.env.table(model.zone, model.table_name)
        self.io.ensure_table(table, df.schema, partition_by=model.partition_by)
        kind = model.materialization
        if kind == "partition_replace":
            column = model.partition_by[0]
            values = [r[0] for r in df.select(column).distinct().collect()]
            self.io.replace_where(df, table, in_predicate(column, values))
            figures: dict[str, object] = {"partitions_replaced": len(values)}
        else:
            self.io.sync(df, table, model.unique_key, scope=None if kind == "incremental_merge" else "all")
            figures = {"rows_selected": df.count()}
        self.report.add(table, materialization=kind, rows=self.spark.table(table).count(), **figures)

    # ------------------------------------------------------------------ progress

    def _high_waters(self) -> dict[str, dt.datetime]:
        table = self.env.table("ops", "processing_state")
        if not self.io.exists(table):
            return {}
        rows = self.spark.table(table).where(F.col("consumer") == self.consumer).collect()
        return {r["source"]: r["high_water"] for r in rows if r["high_water"] is not None}

    def _save_high_waters(self, reached: dict[str, dt.datetime | None]) -> None:
        """Saved after every model is written: a failed run is simply repeated."""
        rows = [(self.consumer, s, mark, self.run_id, _now()) for s, mark in reached.items() if mark is not None]
        if not rows:
            return
        table = self.env.table("ops", "processing_state")
        df = self.spark.createDataFrame(rows, STATE_SCHEMA)
        self.io.ensure_table(table, df.schema)
        self.io.merge(df, table, ["consumer", "source"])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
