"""Build a domain's declared models (``spark_apps.model_spec``), in the order the domain declares them.

Each model: its inputs are read (a missing optional raw input reads as empty, with its contract's
columns), its select runs over them (Spark SQL whose table names are the inputs' aliases, with the
named parameters ``:as_of`` and ``:run_id``, or a transform of ``spark_apps/domains/<domain>``), and
the result is materialized in one commit per table. Keys are checked before anything is written: a
select that yields two rows for one key fails the run naming the model and a key, never a half-written
table. Re-running with the same raw data changes no row (MERGEs rewrite only changed rows).

Incremental runs propagate change: a model built this run keeps the rows it changed (before and after)
for the models declared after it, which recompute the keys that follow those rows
(``incremental.follow``) or rebuild the partitions they fall into (``partitions_from``). A full refresh
reads everything and gives the same tables.
"""

from __future__ import annotations

import datetime as dt
import importlib
import time
from collections.abc import Callable

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from spark_apps.config import EnvConfig, load_contract_by_name
from spark_apps.incremental import STATE_SCHEMA, BuildReport, in_predicate
from spark_apps.ingest import raw_ddl
from spark_apps.model_spec import DomainSpec, ModelSpec, SeedSpec
from spark_apps.scd2 import OPEN_END, scd2_versions
from spark_apps.table_io import OPS_CONFLICT_RETRIES, TableIO

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


def run_select(
    spark: SparkSession,
    domain: str,
    model: ModelSpec,
    inputs: dict[str, DataFrame],
    params: dict[str, str],
    where: str | None = None,
) -> DataFrame:
    """The model's select over its inputs (a transform, or SQL over temporary views named by alias),
    filtered by ``where`` when given."""
    if model.transform is not None:
        module = importlib.import_module(f"spark_apps.domains.{domain}")
        fn: Transform = getattr(module, model.transform)
        out = fn(inputs, params)
        return out if where is None else out.where(where)
    for alias, df in inputs.items():
        df.createOrReplaceTempView(alias)
    try:
        out = spark.sql(model.select or "", args=params)
        # materialized before the views go: the plan must not depend on them afterwards
        return (out if where is None else out.where(where)).localCheckpoint()
    finally:
        for alias in inputs:
            spark.catalog.dropTempView(alias)


def model_rows(model: ModelSpec, selected: DataFrame) -> DataFrame:
    """The table's rows from the select's: type 2 versions of an ``scd2`` model's deliveries, plus the
    unknown member where one is declared."""
    df = selected
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
    return df


def symmetric_difference(a: DataFrame, b: DataFrame) -> DataFrame:
    """Rows in exactly one of two frames of the same columns: what changed between two states."""
    b = b.select(*a.columns)
    return a.subtract(b).union(b.subtract(a))


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
        self.watched: set[str] = set().union(*(m.watched() for m in domain.models))
        self.changes: dict[str, DataFrame] = {}  # model -> the rows this run changed, before and after

    def run(self) -> BuildReport:
        marks = {} if self.full else self._high_waters()
        reached: dict[str, dt.datetime | None] = {}
        for model in self.domain.models:
            started = time.perf_counter()
            inputs = {alias: self._input(model, alias) for alias in model.inputs}
            scope: DataFrame | None = None
            if model.incremental is not None:
                mark_key = f"{model.name}:{model.incremental.input}"
                whole = inputs[model.incremental.input]
                reached[mark_key] = whole.agg(F.max("_ingested_at")).collect()[0][0]
                if mark_key in marks:
                    scope = self._scope(model, whole, marks[mark_key])
                    inputs[model.incremental.input] = whole.join(scope, model.keys, "left_semi")
            self._materialize(model, inputs, scope)
            self.report.extend_last(seconds=f"{time.perf_counter() - started:.1f}")
        self._save_high_waters(reached)
        return self.report

    # ------------------------------------------------------------------ inputs and scope

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

    def _scope(self, model: ModelSpec, whole: DataFrame, mark: dt.datetime) -> DataFrame:
        """The keys to recompute, in one scan of the input: delivered since ``mark``, or in a row whose
        followed column holds a value an upstream model changed this run (small sets, broadcast)."""
        assert model.incremental is not None
        followed = model.incremental.followed()
        marked = whole.select(*model.keys, *[c for c in followed if c not in model.keys], "_ingested_at")
        affected = F.col("_ingested_at") > F.lit(mark)
        for i, (column, (alias, upstream_column)) in enumerate(followed.items()):
            flag = f"_follows_{i}"
            values = self.changes[model.input(alias).table].select(F.col(upstream_column).alias(column))
            values = values.where(F.col(column).isNotNull()).distinct().withColumn(flag, F.lit(True))
            marked = marked.join(F.broadcast(values), column, "left")
            affected = affected | F.col(flag).isNotNull()
        return marked.where(affected).select(*model.keys).distinct().localCheckpoint()

    def _affected_partitions(self, model: ModelSpec, inputs: dict[str, DataFrame]) -> list[object]:
        """The partitions the upstream's changed rows fall into: the select run over those rows alone."""
        assert model.partitions_from is not None
        changed = self.changes[model.input(model.partitions_from).table]
        if changed.isEmpty():
            return []
        probe = run_select(self.spark, self.domain.name, model, {**inputs, model.partitions_from: changed}, self.params)
        return [r[0] for r in probe.select(model.partition_by[0]).distinct().collect()]

    # ------------------------------------------------------------------ materializations

    def _materialize(self, model: ModelSpec, inputs: dict[str, DataFrame], scope: DataFrame | None) -> None:
        table = self.env.table(model.zone, model.table_name)
        kind = model.materialization
        figures: dict[str, object] = {}
        values = self._partitions_to_rebuild(model, table, inputs)
        if values == []:  # the upstream changed nothing this model's partitions hold
            self.changes[model.name] = self.spark.table(table).limit(0)
            self.report.add(table, materialization=kind, rows=self.spark.table(table).count(), partitions_rebuilt=0)
            return
        where = None if values is None else in_predicate(model.partition_by[0], values)
        df = model_rows(model, run_select(self.spark, self.domain.name, model, inputs, self.params, where))
        df = df.localCheckpoint()
        if dups := duplicate_keys(df, model.unique_key):
            raise ModelError(
                f"model {model.name}: more than one row per key ({', '.join(model.unique_key)}), e.g. {dups};"
                " nothing was written"
            )
        self.io.ensure_table(table, df.schema, partition_by=model.partition_by, properties=model.properties)
        if kind == "partition_replace":
            figures["partitions_rebuilt"] = self._replace_partitions(model, table, df, values)
        else:
            self._sync(model, table, df, scope)
            figures["rows_selected"] = df.count()
        if model.incremental is not None:
            figures["keys_in_scope"] = "all" if scope is None else scope.count()
        if model.name in self.changes and model.incremental is not None:
            figures["keys_changed"] = self.changes[model.name].select(*model.keys).dropna().distinct().count()
        self.report.add(table, materialization=kind, rows=self.spark.table(table).count(), **figures)

    def _partitions_to_rebuild(self, model: ModelSpec, table: str, inputs: dict[str, DataFrame]) -> list[object] | None:
        """The partitions a ``partitions_from`` model rebuilds this run; None: all it produces."""
        if model.partitions_from is None or self.full or not self.io.exists(table):
            return None
        return self._affected_partitions(model, inputs)

    def _replace_partitions(self, model: ModelSpec, table: str, df: DataFrame, values: list[object] | None) -> object:
        """Replace the given partitions (every one, for a ``partitions_from`` model rebuilt whole; else the
        ones ``df`` holds) in one commit; returns how many, or ``all``."""
        column = model.partition_by[0]
        rebuilt: int | str
        if values is not None:
            where, rebuilt = in_predicate(column, values), len(values)
        elif model.partitions_from is not None:
            where, rebuilt = "true", "all"
        else:
            produced = [r[0] for r in df.select(column).distinct().collect()]
            where, rebuilt = in_predicate(column, produced), len(produced)
        self._record_changes(model, df, self.spark.table(table).where(where))
        self.io.replace_where(df, table, where)
        return rebuilt

    def _sync(self, model: ModelSpec, table: str, df: DataFrame, scope: DataFrame | None) -> None:
        """One MERGE: an incremental merge upserts; scd2 and full (and an incremental model reading its
        whole input) also delete the rows in scope that the select no longer gives."""
        before, after = self.spark.table(table), df
        if scope is not None:
            before = before.join(scope, model.keys, "left_semi")
            if model.materialization != "incremental_merge":
                after = df.join(scope, model.keys, "left_semi")
        self._record_changes(model, after, before)
        delete_scope: DataFrame | str | None = "all" if scope is None else scope
        if model.materialization == "incremental_merge":
            # upserts only, unless an incremental model read its whole input (first run, full refresh):
            # then rows its input no longer produces go, as in the other materializations
            delete_scope = "all" if scope is None and model.incremental is not None else None
        self.io.sync(df, table, model.unique_key, scope=delete_scope)

    def _record_changes(self, model: ModelSpec, after: DataFrame, before: DataFrame) -> None:
        """Keep, before the write, what this run changes in the model's table when a later model reads
        it (or an incremental scd2 model reports its changed keys): an incremental merge's recomputed rows
        as they were and are, else the rows that differ."""
        reports_keys = model.scd2 is not None and model.incremental is not None
        if self.full or (model.name not in self.watched and not reports_keys):
            return
        if model.materialization == "incremental_merge":
            changed = after.unionByName(before.select(*after.columns))
        else:
            changed = symmetric_difference(after, before)
        self.changes[model.name] = changed.localCheckpoint()

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
        # every domain's build writes this table, and the scheduler may run them at once
        self.io.merge(df, table, ["consumer", "source"], conflict_retries=OPS_CONFLICT_RETRIES)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
