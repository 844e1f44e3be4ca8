"""Rolling account summary: for each account and reported month, arrays of the last N months of each measure.

Position 0 of every array is the row's own month and position i is i months earlier; null means the
account had no record that month (gaps included) or the value broke a rule in the config.

Every mode is the same computation, ``build_rows``, over a different slice of records:

- **initial**: every record, in one pass (no per-month loop);
- **forward**: only months after each account's newest month, *seeded* by ``latest_summary``;
- **backfill**: the changed accounts only, rebuilt from the source's last N months before their earliest
  changed month and written from that month on. It reads the summary's key columns (to find what
  changed) but never its arrays, so its cost follows the affected accounts, not the summary's size.
  The source must therefore keep at least N months before any month that can still arrive late.

Arrays come from one aggregation per account: its months in order, gaps filled, so the N months ending
at any month are a slice of that list. Only native array functions are used, not higher-order lambdas
(which Spark interprets row by row), and nothing is collected to the driver except scalar bounds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from spark_apps.config import SummaryConfig
from spark_apps.months import month_text
from spark_apps.session import sql_conf
from spark_apps.table_io import TableIO

MONTH_INDEX = "_month_index"
SEED_INDEX = "_seed_month_index"


# --------------------------------------------------------------------------- months


def month_index(month: Column) -> Column:
    """``YYYY-MM`` → months since year 0 (``months.month_number`` as a column); null for anything else.

    The shape is checked character by character rather than by a regex: an initial build runs this on
    every source row, and a regex costs several times more per row.
    """
    digits = [F.substring(month, i, 1).between("0", "9") for i in (1, 2, 3, 4, 6, 7)]
    mm = F.substring(month, 6, 2).cast("int")
    shaped = functools.reduce(
        Column.__and__, [F.length(month) == 7, F.substring(month, 5, 1) == "-", *digits, mm.between(1, 12)]
    )
    return F.when(shaped, F.substring(month, 1, 4).cast("int") * 12 + mm - 1)


# --------------------------------------------------------------------------- records


def _clean(cfg: SummaryConfig) -> dict[str, Column]:
    """Each rolling source column with the invalid-value rules applied (a broken value becomes null)."""
    cleaned: dict[str, Column] = {}
    for rc in cfg.rolling_columns:
        col = F.col(rc.source).cast(rc.type)
        for rule in (r for r in cfg.invalid_values if r.column == rc.source):
            ok = F.lit(True)
            if rule.accepted is not None:
                ok = ok & col.isin(rule.accepted)
            if rule.min is not None:
                ok = ok & (col >= F.lit(rule.min))
            if rule.max is not None:
                ok = ok & (col <= F.lit(rule.max))
            col = F.when(ok, col)
        cleaned[rc.source] = col.alias(rc.source)
    return cleaned


def _keyed(source: DataFrame, cfg: SummaryConfig, *columns: Column) -> DataFrame:
    """The source's keys typed (account as a long, the month's index) beside ``columns``."""
    k = cfg.keys
    return source.select(
        F.col(k.account).cast("long").alias(k.account), F.col(k.month), F.col(k.order), *columns
    ).withColumn(MONTH_INDEX, month_index(F.col(k.month)))


def _placeable(cfg: SummaryConfig) -> Column:
    """A keyed row can be placed: it has an account and a ``YYYY-MM`` month."""
    return F.col(cfg.keys.account).isNotNull() & F.col(MONTH_INDEX).isNotNull()


def split_records(source: DataFrame, cfg: SummaryConfig) -> tuple[DataFrame, DataFrame]:
    """(records, rejected): one record per (account, month), the latest ``order`` value winning.

    Rejected are source rows that cannot be placed (no account, or a month that is not ``YYYY-MM``);
    they stay in raw and are counted in the job's result, never silently dropped.
    """
    k = cfg.keys
    typed = _keyed(source, cfg, *[F.col(c) for c in cfg.carry_columns], *_clean(cfg).values())
    rejected = typed.where(~_placeable(cfg))
    # Ties on the order column are broken by the values themselves, so the winner never depends on file order.
    tie_break = [F.col(c).desc_nulls_last() for c in (*cfg.carry_columns, *_sources(cfg))]
    # Partitioned by account only, and sorted by month first: the per-account aggregation that builds the
    # arrays then streams through this shuffle and sort instead of doing its own.
    order = Window.partitionBy(k.account).orderBy(MONTH_INDEX, F.col(k.order).desc_nulls_last(), *tie_break)
    first_of_month = ~F.coalesce(F.lag(MONTH_INDEX).over(order) == F.col(MONTH_INDEX), F.lit(False))
    # Placeability is checked after the window, not before it: a filter before it would be pushed below any
    # join on the source (the backfill's account selection) and parse the month of every source row instead of
    # the selected ones. Unplaceable rows sort first in their account and never make a placeable row look late.
    first = typed.withColumn("_first", first_of_month)
    records = first.where(F.col("_first") & _placeable(cfg)).drop("_first")
    return records, rejected


def _sources(cfg: SummaryConfig) -> list[str]:
    return [rc.source for rc in cfg.rolling_columns]


def seed_from(summary_rows: DataFrame, cfg: SummaryConfig) -> DataFrame:
    """Summary rows as seeds: the account, its month index and its arrays (already as of that month)."""
    return summary_rows.select(
        F.col(cfg.keys.account),
        month_index(F.col(cfg.keys.month)).alias(SEED_INDEX),
        *[F.col(rc.name).alias(f"_seed_{rc.name}") for rc in cfg.rolling_columns],
    )


# --------------------------------------------------------------------------- arrays


def summary_columns(cfg: SummaryConfig) -> list[str]:
    k = cfg.keys
    return [
        k.account,
        k.month,
        k.order,
        *cfg.carry_columns,
        *[rc.name for rc in cfg.rolling_columns],
        *[g.name for g in cfg.grid_columns],
    ]


def _entry(cfg: SummaryConfig) -> Column:
    """One month of an account's history: its index, the record's own columns (``_row``) and its values.

    ``_row`` is null for a month that only fills a gap or comes from a seed: such months supply values
    to the arrays but get no summary row of their own.
    """
    k = cfg.keys
    row = F.struct(*[F.col(c) for c in (k.month, k.order, *cfg.carry_columns)])
    return F.struct(F.col(MONTH_INDEX).alias("_m"), row.alias("_row"), *[F.col(s) for s in _sources(cfg)])


def account_histories(records: DataFrame, cfg: SummaryConfig, seed: DataFrame | None = None) -> DataFrame:
    """One row per account: ``_months``, one entry per month from its first (or its seed's) to its newest, in order.

    Gaps get entries with null values, so an entry's position is its month: the months back from any entry
    are the entries just before it, with no search. ``_padded`` prefixes N-1 empty entries so that every
    entry has N entries ending with it. Built by one aggregation over the records, which arrive sorted by
    account and month from the latest-wins window, and native array functions: no lambdas, nothing sent to
    the driver.
    """
    k, h = cfg.keys, cfg.history_length
    entry_type = records.select(_entry(cfg).alias("e")).schema["e"].dataType
    assert isinstance(entry_type, StructType)
    entries = f"array<{entry_type.simpleString()}>"
    grouped = records.groupBy(k.account).agg(
        F.collect_list(_entry(cfg)).alias("_recs"),
        F.min(MONTH_INDEX).alias("_lo"),
        F.max(MONTH_INDEX).alias("_hi"),
    )
    seeded = F.array().cast(entries)
    if seed is not None:
        grouped = grouped.join(seed, k.account, "left")
        # The seed's arrays, as of its month S, become the entries for months S-N+1 .. S (oldest first).
        nulls = F.array_repeat(F.lit(None), h)
        from_seed = F.arrays_zip(
            F.sequence(F.col(SEED_INDEX) - (h - 1), F.col(SEED_INDEX)),
            nulls.cast(f"array<{entry_type['_row'].dataType.simpleString()}>"),
            *[
                F.reverse(F.coalesce(F.col(f"_seed_{rc.name}"), nulls.cast(f"array<{rc.type}>")))
                for rc in cfg.rolling_columns
            ],
        ).cast(entries)
        seeded = F.when(F.col(SEED_INDEX).isNotNull(), from_seed).otherwise(seeded)
        # Records are all newer than their seed; the months between the seed and the first record are gaps.
        start = F.coalesce(F.col(SEED_INDEX) + 1, F.col("_lo"))
    else:
        start = F.col("_lo")
    gaps = F.array_except(F.sequence(start, F.col("_hi")), F.col("_recs._m"))
    filler = F.arrays_zip(
        gaps, *[F.array_repeat(F.lit(None).cast(f.dataType), F.size(gaps)) for f in entry_type.fields[1:]]
    ).cast(entries)
    months = F.concat(seeded, F.sort_array(F.concat(F.col("_recs"), filler)))
    padded = F.concat(F.array_repeat(F.lit(None).cast(entry_type), h - 1), months)
    return grouped.select(k.account, months.alias("_months"), padded.alias("_padded"))


def _summary_row(entry: Column, position: Column, cfg: SummaryConfig) -> list[Column]:
    """The summary columns of the entry at ``position`` (0-based) of ``_months``: its own columns, then each
    rolling array as the N entries ending with it, newest first, and the grids."""
    k, h = cfg.keys, cfg.history_length
    window = F.reverse(F.slice(F.col("_padded"), position + 1, h))
    arrays = {rc.name: window[rc.source].cast(f"array<{rc.type}>") for rc in cfg.rolling_columns}
    grids = {g.name: F.array_join(arrays[g.source], "", g.missing) for g in cfg.grid_columns}
    own = [entry["_row"][c].alias(c) for c in (k.month, k.order, *cfg.carry_columns)]
    return [F.col(k.account), *own, *[a.alias(n) for n, a in {**arrays, **grids}.items()]]


def build_rows(records: DataFrame, cfg: SummaryConfig, seed: DataFrame | None = None) -> DataFrame:
    """One summary row per record, with every rolling array and grid.

    ``records`` holds at most one row per (account, month). ``seed`` (optional, one row per account, from
    ``seed_from``) holds each account's arrays as of a month *before* all of its records: they supply the
    months before the records.
    """
    histories = account_histories(records, cfg, seed)
    entries = histories.select(cfg.keys.account, "_padded", F.posexplode_outer("_months").alias("_pos", "_entry"))
    entries = entries.where(F.col("_entry._row").isNotNull())
    return entries.select(*_summary_row(F.col("_entry"), F.col("_pos"), cfg)).select(*summary_columns(cfg))


def latest_of(rows: DataFrame, cfg: SummaryConfig) -> DataFrame:
    """The newest row per account, from summary rows."""
    k = cfg.keys
    newest = Window.partitionBy(k.account).orderBy(month_index(F.col(k.month)).desc())
    return rows.withColumn("_rank", F.row_number().over(newest)).where("_rank = 1").drop("_rank")


def latest_from_records(records: DataFrame, cfg: SummaryConfig) -> DataFrame:
    """``latest_summary`` straight from the records: each account's newest entry, without building every row."""
    histories = account_histories(records, cfg)
    newest = F.element_at("_months", -1)  # the newest month always holds a record
    return histories.select(*_summary_row(newest, F.size("_months") - 1, cfg)).select(*summary_columns(cfg))


# --------------------------------------------------------------------------- runs


@dataclass(frozen=True)
class SummaryTables:
    source: str
    summary: str
    latest: str


@dataclass(frozen=True)
class RunResult:
    mode: str
    records: int  # placeable source records considered (after latest-wins per account and month)
    rejected: int  # source rows that could not be placed (no account or a bad month)
    skipped: int  # records a forward run left alone: not newer than the account's newest month
    accounts: int  # accounts whose rows were written
    rows_written: int

    def line(self) -> str:
        return "SUMMARY_RESULT " + " ".join(f"{k}={v}" for k, v in self.__dict__.items())


def _month_filter(cfg: SummaryConfig, start: str | None, end: str | None) -> Column:
    col = F.col(cfg.keys.month)
    cond = F.lit(True)
    if start:
        cond = cond & (col >= F.lit(start))
    if end:
        cond = cond & (col <= F.lit(end))
    return cond


# The per-account aggregation reads records already sorted by account (the latest-wins window sorted
# them), which a sort aggregate streams through. Spark's default object-hash aggregate instead falls back
# to sorting its whole input again once a task has seen 128 accounts: latest_summary for 100,000 accounts
# took 18.1 s that way against 10.7 s (bench/README.md).
SORT_AGGREGATE = {"spark.sql.execution.useObjectHashAggregateExec": "false"}


def _sort_aggregates(mode: Callable[..., RunResult]) -> Callable[..., RunResult]:
    """Plan a mode's queries with ``SORT_AGGREGATE``; the session's own setting is back afterwards."""

    @functools.wraps(mode)
    def run(self: AccountSummary, *args: str | None) -> RunResult:
        with sql_conf(self.spark, SORT_AGGREGATE):
            return mode(self, *args)

    return run


class AccountSummary:
    """The three modes against real tables, through the one table-I/O module."""

    def __init__(self, io: TableIO, tables: SummaryTables, cfg: SummaryConfig) -> None:
        self.io, self.tables, self.cfg, self.spark = io, tables, cfg, io.spark

    def _source(self, start: str | None, end: str | None, accounts: DataFrame | None = None) -> DataFrame:
        """The source's rows in [start, end], of the given ``accounts`` only (a small frame of keys) when
        given: they are selected before the latest-wins window, so only their rows are shuffled."""
        source = self.spark.table(self.tables.source).where(_month_filter(self.cfg, start, end))
        if accounts is not None:
            source = source.join(F.broadcast(accounts), self.cfg.keys.account, "left_semi")
        return source

    def _records(
        self, start: str | None, end: str | None, accounts: DataFrame | None = None
    ) -> tuple[DataFrame, DataFrame]:
        return split_records(self._source(start, end, accounts), self.cfg)

    def _ensure(self) -> None:
        """Create both tables if they are missing, with the schema of a build (planned on no rows, never run)."""
        sample = build_rows(self._records(None, None)[0].limit(0), self.cfg)
        props = self.cfg.table_properties if self.io.table_format == "iceberg" else {}
        self.io.ensure_table(self.tables.summary, sample.schema, [self.cfg.keys.month], props)
        self.io.ensure_table(self.tables.latest, sample.schema, (), props)

    @_sort_aggregates
    def initial(self, start: str | None = None, end: str | None = None) -> RunResult:
        """Rebuild both tables from the source in one pass; replaces whatever they held."""
        records, rejected = self._records(start, end)
        rows = build_rows(records, self.cfg)
        self._ensure()
        self.io.replace_where(rows, self.tables.summary, "true")
        # Recomputing the narrow records costs less than caching them (measured).
        self.io.replace_where(latest_from_records(records, self.cfg), self.tables.latest, "true")
        written = self.io.last_commit(self.tables.summary).added_records
        accounts = self.io.last_commit(self.tables.latest).added_records
        return RunResult("initial", written, rejected.count(), 0, accounts, written)

    @_sort_aggregates
    def forward(self, start: str | None = None, end: str | None = None) -> RunResult:
        """Append the months after each account's newest month, shifting its arrays from ``latest_summary``."""
        k = self.cfg.keys
        records, rejected = self._records(start, end)
        self._ensure()
        seeds = seed_from(self.spark.table(self.tables.latest), self.cfg)
        tagged = records.join(seeds.select(k.account, SEED_INDEX), k.account, "left")
        newer = F.col(SEED_INDEX).isNull() | (F.col(MONTH_INDEX) > F.col(SEED_INDEX))
        tagged = tagged.withColumn("_newer", newer).localCheckpoint(eager=True)
        n_fresh, skipped = tagged.agg(
            F.count(F.when(F.col("_newer"), 1)), F.count(F.when(~F.col("_newer"), 1))
        ).collect()[0]
        fresh = tagged.where("_newer").drop("_newer", SEED_INDEX)
        rows = build_rows(fresh, self.cfg, seeds.join(fresh.select(k.account).distinct(), k.account))
        return self._write("forward", rows, rejected.count(), skipped, n_fresh)

    @_sort_aggregates
    def backfill(self, start: str | None = None, end: str | None = None) -> RunResult:
        """Apply late or corrected records: rewrite only the changed accounts, from their earliest changed month."""
        k, h = self.cfg.keys, self.cfg.history_length
        self._ensure()
        # Finding what changed needs only the keys: the newest order per (account, month) in the months asked
        # for, by a hash aggregation of three columns instead of the latest-wins window over whole rows.
        keyed = _keyed(self._source(start, end), self.cfg)
        newest = (
            keyed.where(_placeable(self.cfg))
            .groupBy(k.account, k.month, MONTH_INDEX)
            .agg(F.max(k.order).alias("_order"))
        )
        known = self.spark.table(self.tables.summary).where(_month_filter(self.cfg, start, end))
        known = known.select(k.account, k.month, F.col(k.order).alias("_known_order"))
        # New or newer than what the summary holds for that account and month; an identical re-delivery is not.
        # Only the affected accounts are kept (with their earliest changed month), so the frame every later
        # step joins with is one small checkpoint.
        changed = newest.join(known, [k.account, k.month], "left").where(
            F.col("_known_order").isNull() | (F.col("_order") > F.col("_known_order"))
        )
        affected = (
            changed.groupBy(k.account)
            .agg(F.min(MONTH_INDEX).alias("_from"), F.count(F.lit(1)).alias("_changed"))
            .localCheckpoint(eager=True)
        )
        rejected = keyed.where(~_placeable(self.cfg)).count()
        first, n_changed = affected.agg(F.min("_from"), F.sum("_changed")).collect()[0]
        if first is None:
            return RunResult("backfill", 0, rejected, 0, 0, 0)
        # Each affected account is rebuilt from its earliest changed month X, which needs its records from
        # X - (N-1) on: read from the source, never from the summary's arrays, so the cost is one scan of the
        # (narrow) source plus work proportional to the affected accounts.
        window, _ = self._records(month_text(first - h + 1), None, accounts=affected.select(k.account))
        window = window.join(F.broadcast(affected), k.account).where(F.col(MONTH_INDEX) > F.col("_from") - h)
        rows = build_rows(window, self.cfg).withColumn(MONTH_INDEX, month_index(F.col(k.month)))
        rows = rows.join(F.broadcast(affected), k.account).where(F.col(MONTH_INDEX) >= F.col("_from"))
        rows = rows.select(*summary_columns(self.cfg))
        return self._write("backfill", rows, rejected, 0, n_changed)

    def _write(self, mode: str, rows: DataFrame, rejected: int, skipped: int, records: int) -> RunResult:
        """MERGE the rebuilt rows into the summary, then their newest rows into ``latest_summary``.

        The rows are checkpointed first: they are computed from these tables (``latest_summary`` seeds,
        the summary's keys), and writing a table invalidates cached plans that read it, so a lazily
        recomputed frame would see its own output. (Their newest rows are derived from the checkpoint,
        so they need none of their own.)
        Both MERGEs are keyed, so a re-run after a failure between them converges instead of duplicating.
        """
        k = self.cfg.keys
        rows = rows.localCheckpoint(eager=True)
        n, accounts, first_month = rows.agg(F.count(F.lit(1)), F.countDistinct(k.account), F.min(k.month)).collect()[0]
        if n == 0:
            return RunResult(mode, records, rejected, skipped, 0, 0)
        self.io.merge(rows, self.tables.summary, [k.account, k.month], target_filter=f"t.{k.month} >= '{first_month}'")
        self.io.merge(
            latest_of(rows, self.cfg), self.tables.latest, [k.account], update_condition=f"s.{k.month} >= t.{k.month}"
        )
        return RunResult(mode, records, rejected, skipped, accounts, n)
