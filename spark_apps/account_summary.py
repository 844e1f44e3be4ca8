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

Arrays are built with fixed-offset window frames and positional expressions, not higher-order lambdas
(which Spark interprets row by row), and nothing is collected to the driver except scalar bounds.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from spark_apps.config import SummaryConfig
from spark_apps.months import MONTH_PATTERN, month_text
from spark_apps.table_io import TableIO

MONTH_INDEX = "_month_index"
SEED_INDEX = "_seed_month_index"


# --------------------------------------------------------------------------- months


def month_index(month: Column) -> Column:
    """``YYYY-MM`` → months since year 0 (``months.month_number`` as a column); null for anything else."""
    return F.when(
        month.rlike(MONTH_PATTERN),
        F.substring(month, 1, 4).cast("int") * 12 + F.substring(month, 6, 2).cast("int") - 1,
    )


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


def split_records(source: DataFrame, cfg: SummaryConfig) -> tuple[DataFrame, DataFrame]:
    """(records, rejected): one record per (account, month), the latest ``order`` value winning.

    Rejected are source rows that cannot be placed (no account, or a month that is not ``YYYY-MM``);
    they stay in raw and are counted in the job's result, never silently dropped.
    """
    k = cfg.keys
    typed = source.select(
        F.col(k.account).cast("long").alias(k.account),
        F.col(k.month),
        F.col(k.order),
        *[F.col(c) for c in cfg.carry_columns],
        *_clean(cfg).values(),
    ).withColumn(MONTH_INDEX, month_index(F.col(k.month)))
    placeable = F.col(k.account).isNotNull() & F.col(MONTH_INDEX).isNotNull()
    rejected = typed.where(~placeable)
    # Ties on the order column are broken by the values themselves, so the winner never depends on file order.
    tie_break = [F.col(c).desc_nulls_last() for c in (*cfg.carry_columns, *_sources(cfg))]
    # Partitioned by account only, and sorted by month first: the arrays' window (same partitioning,
    # ordered by month) then reuses this shuffle and sort instead of doing its own.
    order = Window.partitionBy(k.account).orderBy(MONTH_INDEX, F.col(k.order).desc_nulls_last(), *tie_break)
    first_of_month = ~F.coalesce(F.lag(MONTH_INDEX).over(order) == F.col(MONTH_INDEX), F.lit(False))
    records = typed.where(placeable).withColumn("_first", first_of_month).where("_first").drop("_first")
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


def build_rows(records: DataFrame, cfg: SummaryConfig, seed: DataFrame | None = None) -> DataFrame:
    """One summary row per record, with every rolling array and grid.

    ``records`` holds at most one row per (account, month). ``seed`` (optional, one row per account, from
    ``seed_from``) holds each account's arrays as of a month *before* all of its records: positions that
    reach back past the seed month are read from the seed, shifted by the distance to it.
    """
    k, h = cfg.keys, cfg.history_length
    by_month = Window.partitionBy(k.account).orderBy(MONTH_INDEX)
    values = F.struct(*[F.col(s) for s in _sources(cfg)])
    # Frame i holds the record exactly i months back, or nothing: a gap stays a gap.
    back = [values] + [F.first(values).over(by_month.rangeBetween(-i, -i)) for i in range(1, h)]
    framed = records.select("*", *[b.alias(f"_back_{i}") for i, b in enumerate(back)])
    shift = None
    if seed is not None:
        framed = framed.join(seed, k.account, "left")
        shift = F.col(MONTH_INDEX) - F.col(SEED_INDEX)  # months between the record and its seed

    def position(rc_source: str, rc_name: str, i: int) -> Column:
        value = F.col(f"_back_{i}")[rc_source]
        if shift is None:
            return value
        # Records are all newer than the seed, so at most one of the two is ever non-null.
        return F.coalesce(value, F.get(F.col(f"_seed_{rc_name}"), F.lit(i) - shift))

    arrays = {
        rc.name: F.array(*[position(rc.source, rc.name, i) for i in range(h)]).cast(f"array<{rc.type}>")
        for rc in cfg.rolling_columns
    }
    out = framed.select(k.account, k.month, k.order, *cfg.carry_columns, *[a.alias(n) for n, a in arrays.items()])
    for grid in cfg.grid_columns:
        out = out.withColumn(grid.name, F.array_join(F.col(grid.source), "", grid.missing))
    return out.select(*summary_columns(cfg))


def latest_of(rows: DataFrame, cfg: SummaryConfig) -> DataFrame:
    """The newest row per account, from summary rows."""
    k = cfg.keys
    newest = Window.partitionBy(k.account).orderBy(month_index(F.col(k.month)).desc())
    return rows.withColumn("_rank", F.row_number().over(newest)).where("_rank = 1").drop("_rank")


def latest_from_records(records: DataFrame, cfg: SummaryConfig) -> DataFrame:
    """``latest_summary`` straight from the records, without a second pass over the full summary.

    One aggregation per account gathers its last N months into a map; the arrays are N positional
    lookups into it. This is cheaper than windowing every row again when only the newest row is wanted.
    """
    k, h = cfg.keys, cfg.history_length
    newest = Window.partitionBy(k.account)
    recent = records.withColumn("_newest", F.max(MONTH_INDEX).over(newest)).where(
        F.col(MONTH_INDEX) > F.col("_newest") - h
    )
    values = F.struct(*[F.col(s) for s in _sources(cfg)])
    last = F.max_by(F.struct(k.month, k.order, *cfg.carry_columns), F.col(MONTH_INDEX))
    grouped = recent.groupBy(k.account).agg(
        F.max(MONTH_INDEX).alias(MONTH_INDEX),
        last.alias("_last"),
        F.map_from_entries(F.collect_list(F.struct(F.col(MONTH_INDEX), values))).alias("_by_month"),
    )
    arrays = {
        rc.name: F.array(*[F.element_at("_by_month", F.col(MONTH_INDEX) - i)[rc.source] for i in range(h)]).cast(
            f"array<{rc.type}>"
        )
        for rc in cfg.rolling_columns
    }
    out = grouped.select(
        k.account,
        *[F.col(f"_last.{c}").alias(c) for c in (k.month, k.order, *cfg.carry_columns)],
        *[a.alias(n) for n, a in arrays.items()],
    )
    for grid in cfg.grid_columns:
        out = out.withColumn(grid.name, F.array_join(F.col(grid.source), "", grid.missing))
    return out.select(*summary_columns(cfg))


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


class AccountSummary:
    """The three modes against real tables, through the one table-I/O module."""

    def __init__(self, io: TableIO, tables: SummaryTables, cfg: SummaryConfig) -> None:
        self.io, self.tables, self.cfg, self.spark = io, tables, cfg, io.spark

    def _records(
        self, start: str | None, end: str | None, accounts: DataFrame | None = None
    ) -> tuple[DataFrame, DataFrame]:
        """The source's records in [start, end], of the given ``accounts`` only (a small frame of keys)
        when given: they are selected before the latest-wins window, so only their rows are shuffled."""
        source = self.spark.table(self.tables.source).where(_month_filter(self.cfg, start, end))
        if accounts is not None:
            source = source.join(F.broadcast(accounts), self.cfg.keys.account, "left_semi")
        return split_records(source, self.cfg)

    def _ensure(self, sample: DataFrame) -> None:
        props = self.cfg.table_properties if self.io.table_format == "iceberg" else {}
        self.io.ensure_table(self.tables.summary, sample.schema, [self.cfg.keys.month], props)
        self.io.ensure_table(self.tables.latest, sample.schema, (), props)

    def initial(self, start: str | None = None, end: str | None = None) -> RunResult:
        """Rebuild both tables from the source in one pass; replaces whatever they held."""
        records, rejected = self._records(start, end)
        rows = build_rows(records, self.cfg)
        self._ensure(rows)
        self.io.replace_where(rows, self.tables.summary, "true")
        # Recomputing the narrow records costs less than caching them (measured).
        self.io.replace_where(latest_from_records(records, self.cfg), self.tables.latest, "true")
        written = self.io.last_commit(self.tables.summary).added_records
        accounts = self.io.last_commit(self.tables.latest).added_records
        return RunResult("initial", written, rejected.count(), 0, accounts, written)

    def forward(self, start: str | None = None, end: str | None = None) -> RunResult:
        """Append the months after each account's newest month, shifting its arrays from ``latest_summary``."""
        k = self.cfg.keys
        records, rejected = self._records(start, end)
        self._ensure(build_rows(records.limit(0), self.cfg))
        seeds = seed_from(self.spark.table(self.tables.latest), self.cfg)
        tagged = records.join(seeds.select(k.account, SEED_INDEX), k.account, "left")
        newer = F.col(SEED_INDEX).isNull() | (F.col(MONTH_INDEX) > F.col(SEED_INDEX))
        tagged = tagged.withColumn("_newer", newer).localCheckpoint(eager=True)
        n_fresh, skipped = tagged.agg(F.count(F.when(F.col("_newer"), 1)), F.count(F.when(~F.col("_newer"), 1))).first()
        fresh = tagged.where("_newer").drop("_newer", SEED_INDEX)
        rows = build_rows(fresh, self.cfg, seeds.join(fresh.select(k.account).distinct(), k.account))
        return self._write("forward", rows, rejected.count(), skipped, n_fresh)

    def backfill(self, start: str | None = None, end: str | None = None) -> RunResult:
        """Apply late or corrected records: rewrite only the changed accounts, from their earliest changed month."""
        k, h = self.cfg.keys, self.cfg.history_length
        records, rejected = self._records(start, end)
        self._ensure(build_rows(records.limit(0), self.cfg))
        summary = self.spark.table(self.tables.summary)
        known = summary.where(_month_filter(self.cfg, start, end)).select(
            k.account, k.month, F.col(k.order).alias("_known_order")
        )
        # New or newer than what the summary holds for that account and month; an identical re-delivery is not.
        # Only the affected accounts are kept (with their earliest changed month), so the frame every later
        # step joins with is one small checkpoint.
        changed = records.join(known, [k.account, k.month], "left").where(
            F.col("_known_order").isNull() | (F.col(k.order) > F.col("_known_order"))
        )
        affected = (
            changed.groupBy(k.account)
            .agg(F.min(MONTH_INDEX).alias("_from"), F.count(F.lit(1)).alias("_changed"))
            .localCheckpoint(eager=True)
        )
        first, n_changed = affected.agg(F.min("_from"), F.sum("_changed")).first()
        if first is None:
            return RunResult("backfill", 0, rejected.count(), 0, 0, 0)
        # Each affected account is rebuilt from its earliest changed month X, which needs its records from
        # X - (N-1) on: read from the narrow source, never from the summary's arrays, so the cost is a scan
        # of key-sized columns plus work proportional to the affected accounts.
        window, _ = self._records(month_text(first - h + 1), None, accounts=affected.select(k.account))
        window = window.join(F.broadcast(affected), k.account).where(F.col(MONTH_INDEX) > F.col("_from") - h)
        rows = build_rows(window, self.cfg).withColumn(MONTH_INDEX, month_index(F.col(k.month)))
        rows = rows.join(F.broadcast(affected), k.account).where(F.col(MONTH_INDEX) >= F.col("_from"))
        rows = rows.select(*summary_columns(self.cfg))
        return self._write("backfill", rows, rejected.count(), 0, n_changed)

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
        n, accounts, first_month = rows.agg(F.count(F.lit(1)), F.countDistinct(k.account), F.min(k.month)).first()
        if n == 0:
            return RunResult(mode, records, rejected, skipped, 0, 0)
        self.io.merge(rows, self.tables.summary, [k.account, k.month], target_filter=f"t.{k.month} >= '{first_month}'")
        self.io.merge(
            latest_of(rows, self.cfg), self.tables.latest, [k.account], update_condition=f"s.{k.month} >= t.{k.month}"
        )
        return RunResult(mode, records, rejected, skipped, accounts, n)
