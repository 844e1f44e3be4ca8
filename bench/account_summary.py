"""Rolling account summary: one-pass initial build, forward month and 1 % backfill against a month-by-month
baseline and the I/O floor.

    .venv/bin/python bench/account_summary.py --accounts 20000 --months 36

All on one warm local[2] SparkSession, Iceberg tables with the same properties (initial and floor run
--repeat times, alternating, and so does the backfill, from the same snapshots each time; the best of each counts):
- source:    generated snapshots (gaps 5 %) in an Iceberg table, typed as raw.account_snapshots;
- initial:   AccountSummary.initial over months 1..N-1 (summary + latest_summary);
- floor:     a copy of what initial wrote (CTAS of both tables: same rows, same bytes);
- forward:   AccountSummary.forward for month N;
- backfill:  corrected snapshots for 1 % of accounts at month N/2, then AccountSummary.backfill;
- baseline:  the known approach, implemented here only: month by month, each month's rows from the
             previous state (shift the arrays by the months since, prepend the new values), one
             append + one state MERGE per month; its backfill recomputes every month from the late one.
The baseline's output is checked equal to ours (order-independent hash of every column) before any
ratio is printed. The last line holds `initial_speedup_vs_monthly`, `backfill_speedup_vs_monthly`
and `initial_vs_io_floor`.
"""

from __future__ import annotations

import argparse
import time

from bench_env import scratch_lake


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--accounts", type=int, default=20_000)
    p.add_argument("--months", type=int, default=36)
    p.add_argument("--backfill-share", type=float, default=0.01, help="share of accounts with a late correction")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--repeat", type=int, default=2, help="runs of initial, floor and backfill; the best counts")
    args = p.parse_args()

    scratch = scratch_lake("bench-summary-")
    import pyarrow as pa
    import pyarrow.parquet as pq
    from pyspark.sql import functions as F

    from spark_apps.account_summary import AccountSummary, SummaryTables
    from spark_apps.config import load_contract_by_name, load_env, load_summary_config
    from spark_apps.months import month_number, month_text
    from spark_apps.sample_data import ACCOUNT_SNAPSHOT_COLUMNS, account_snapshots
    from spark_apps.session import build_session
    from spark_apps.table_io import TableIO

    cfg = load_summary_config()
    env = load_env("dev")  # dev sizing: local[2], default driver memory settings of the dev env
    spark = build_session(env, "bench-account-summary", master="local[2]")
    io = TableIO.for_env(spark, env)
    spark.sql("CREATE NAMESPACE IF NOT EXISTS lake.bench")
    table_props = {**cfg.table_properties, "format-version": "2"}  # every table here, the baseline's too
    props = ", ".join(f"'{k}'='{v}'" for k, v in table_props.items())
    first = "2023-01"
    last = month_text(month_number(first) + args.months - 1)
    mid = month_text(month_number(first) + args.months // 2)

    # ---- source: generated in Python, staged as Parquet, typed into Iceberg (not timed)
    t0 = time.perf_counter()
    staged = scratch / "staged.parquet"
    writer, batch = None, []
    schema = pa.schema([(c, pa.string()) for c in ACCOUNT_SNAPSHOT_COLUMNS])

    def flush() -> None:
        nonlocal writer, batch
        table = pa.Table.from_pylist(batch, schema=schema)
        writer = writer or pq.ParquetWriter(staged, schema)
        writer.write_table(table)
        batch = []

    for snap in account_snapshots(args.accounts, args.months, gap_rate=0.05, late_rate=0.0, seed=args.seed):
        batch.append({c: None if snap.values[c] is None else str(snap.values[c]) for c in ACCOUNT_SNAPSHOT_COLUMNS})
        if len(batch) >= 200_000:
            flush()
    flush()
    writer.close()
    contract = load_contract_by_name("account_snapshots")
    spark.read.parquet(str(staged)).select(
        *[F.col(c).cast(contract.column(c).type).alias(c) for c in ACCOUNT_SNAPSHOT_COLUMNS]
    ).writeTo("lake.bench.snapshots").using("iceberg").create()
    source = spark.table("lake.bench.snapshots")
    total = source.count()
    before_last = source.where(F.col("report_month") < last).count()
    in_last = total - before_last
    print(f"generated records={total} accounts={args.accounts} months={args.months} in {time.perf_counter() - t0:.0f}s")

    # The source the runs read grows like a landing zone: months 1..N-1 first, month N later.
    spark.sql("DROP TABLE IF EXISTS lake.bench.src")
    source.where(F.col("report_month") < last).writeTo("lake.bench.src").using("iceberg").create()
    tables = SummaryTables("lake.bench.src", "lake.bench.summary", "lake.bench.latest")
    runner = AccountSummary(io, tables, cfg)

    def timed(label: str, fn) -> float:
        start = time.perf_counter()
        out = fn()
        seconds = time.perf_counter() - start
        print(f"{label}: {seconds:.1f}s {getattr(out, 'line', lambda: '')()}", flush=True)
        return seconds

    def floor() -> None:
        for name in ("summary", "latest"):
            spark.sql(f"DROP TABLE IF EXISTS lake.bench.floor_{name}")
        spark.sql(
            f"CREATE TABLE lake.bench.floor_summary USING iceberg PARTITIONED BY (report_month) "
            f"TBLPROPERTIES ({props}) AS SELECT * FROM lake.bench.summary"
        )
        spark.sql(
            f"CREATE TABLE lake.bench.floor_latest USING iceberg TBLPROPERTIES ({props}) "
            "AS SELECT * FROM lake.bench.latest"
        )

    source.limit(1000).write.format("noop").mode("overwrite").save()  # warm-up: JIT, catalog
    initial_times, floor_times = [], []
    for _ in range(args.repeat):
        initial_times.append(timed("initial", runner.initial))
        floor_times.append(timed("io_floor (copy of the output)", floor))
    initial_s, floor_s = min(initial_times), min(floor_times)

    io.append(source.where(F.col("report_month") == last), tables.source)
    forward_s = timed("forward", lambda: runner.forward(last, last))

    # 1 % of accounts get a corrected snapshot for the middle month (later base_ts, new values).
    corrected = (
        source.where(
            (F.col("report_month") == mid) & (F.abs(F.xxhash64("account_key")) % 10_000 < args.backfill_share * 10_000)
        )
        .withColumn("base_ts", F.col("base_ts") + F.expr("INTERVAL 30 DAYS"))
        .withColumn("payment_rating_code", F.lit("D"))
        .withColumn("balance", F.col("balance") + F.lit(1))
    )
    n_corrected = corrected.count()
    io.append(corrected, tables.source)
    # Like initial, the backfill runs --repeat times and the best counts; before each run both tables go back
    # to their snapshot before the first one (Iceberg's set_current_snapshot), so every run does the same work.
    before = {t: io.current_version(t) for t in (tables.summary, tables.latest)}

    backfill_times = []
    for _ in range(args.repeat):
        for table, snapshot in before.items():
            spark.sql(f"CALL lake.system.set_current_snapshot('{table.split('.', 1)[1]}', {snapshot})")
        backfill_times.append(timed("backfill", lambda: runner.backfill(mid, mid)))
    backfill_s = min(backfill_times)

    # ---- baseline: month by month from the previous state
    base = Baseline(spark, io, cfg, "lake.bench.src", table_props)
    months = [month_text(m) for m in range(month_number(first), month_number(last))]
    baseline_initial_s = timed("baseline initial (month by month)", lambda: base.run(months, corrected=False))
    affected_months = [month_text(m) for m in range(month_number(mid), month_number(last) + 1)]
    baseline_backfill_s = timed(
        "baseline backfill (recompute from the late month)", lambda: base.run(affected_months, corrected=True)
    )

    ours, theirs = table_hash(spark, "lake.bench.summary", cfg), table_hash(spark, "lake.bench.baseline", cfg)
    if ours != theirs:
        raise SystemExit(f"baseline and summary differ: {ours} != {theirs}")
    records_initial = before_last
    print(
        f"records={total} initial_records_per_s={records_initial / initial_s:.0f} "
        f"forward_records_per_s={in_last / forward_s:.0f} backfill_records={n_corrected} "
        f"backfill_s={backfill_s:.1f} baseline_backfill_s={baseline_backfill_s:.1f} "
        f"initial_s={initial_s:.1f} floor_s={floor_s:.1f} baseline_initial_s={baseline_initial_s:.1f} "
        f"forward_s={forward_s:.1f}"
    )
    print(
        f"initial_speedup_vs_monthly={baseline_initial_s / initial_s:.2f} "
        f"backfill_speedup_vs_monthly={baseline_backfill_s / backfill_s:.2f} "
        f"initial_vs_io_floor={initial_s / floor_s:.2f}"
    )


def table_hash(spark, table: str, cfg) -> tuple[int, int]:
    from pyspark.sql import functions as F

    from spark_apps.account_summary import summary_columns

    cols = summary_columns(cfg)
    df = spark.table(table)
    return tuple(df.agg(F.count("*"), F.sum(F.xxhash64(*[F.to_json(F.struct(c)) for c in cols]))).first())


class Baseline:
    """The sequential approach this project replaces: one month at a time, each from the state before it."""

    def __init__(self, spark, io, cfg, source: str, props: dict[str, str]) -> None:
        from spark_apps.account_summary import split_records

        self.spark, self.io, self.cfg = spark, io, cfg
        # The summary's own properties; its state (rewritten whole every month) stays copy-on-write,
        # which is cheaper for it than accumulating delete files.
        row_level = ("write.merge.mode", "write.update.mode", "write.delete.mode")
        self.props = {"lake.bench.baseline": props}
        self.props["lake.bench.baseline_state"] = {k: v for k, v in props.items() if k not in row_level}
        # Only the month at hand is read and de-duplicated: the baseline gets every fair advantage.
        self.records = lambda month: split_records(spark.table(source).where(f"{cfg.keys.month} = '{month}'"), cfg)[0]

    def run(self, months: list[str], corrected: bool) -> None:
        from pyspark.sql import functions as F

        from spark_apps.account_summary import latest_of, month_index, seed_from

        cfg, k, spark = self.cfg, self.cfg.keys, self.spark
        if not corrected:
            spark.sql("DROP TABLE IF EXISTS lake.bench.baseline")
            spark.sql("DROP TABLE IF EXISTS lake.bench.baseline_state")
            state = None
        else:
            # State as of the month before the late one: the newest row per account before it.
            before = spark.table("lake.bench.baseline").where(F.col(k.month) < months[0])
            spark.sql("DROP TABLE IF EXISTS lake.bench.baseline_state")
            self._create(latest_of(before, cfg), "lake.bench.baseline_state")
            state = "lake.bench.baseline_state"
        for month in months:
            recs = self.records(month)
            seed = None if state is None else seed_from(spark.table(state), cfg)
            rows = self._step(recs, seed, month_index(F.lit(month)))
            rows = rows.localCheckpoint(eager=True)
            if not spark.catalog.tableExists("lake.bench.baseline"):
                self._create(rows, "lake.bench.baseline", partition_by=k.month)
                self._create(rows, "lake.bench.baseline_state")
                state = "lake.bench.baseline_state"
                continue
            if corrected:
                rows.writeTo("lake.bench.baseline").overwrite(F.col(k.month) == month)
            else:
                rows.writeTo("lake.bench.baseline").append()
            self.io.merge(rows, state, [k.account])

    def _create(self, df, table: str, partition_by: str | None = None) -> None:
        from pyspark.sql import functions as F

        writer = df.writeTo(table).using("iceberg")
        if partition_by:
            writer = writer.partitionedBy(F.col(partition_by))
        for key, value in self.props[table].items():
            writer = writer.tableProperty(key, value)
        writer.create()

    def _step(self, recs, seed, month_idx):
        """This month's rows: the new values at position 0, then the seed's arrays shifted by the gap."""
        from pyspark.sql import functions as F

        from spark_apps.account_summary import SEED_INDEX, summary_columns

        cfg, k, h = self.cfg, self.cfg.keys, self.cfg.history_length
        joined = recs if seed is None else recs.join(seed, k.account, "left")
        cols = {}
        for rc in cfg.rolling_columns:
            new = F.array(F.col(rc.source).cast(rc.type))
            if seed is None:
                cols[rc.name] = F.concat(new, F.array_repeat(F.lit(None).cast(rc.type), h - 1))
                continue
            gap = F.coalesce(month_idx - F.col(SEED_INDEX) - 1, F.lit(h))
            prior = F.coalesce(F.col(f"_seed_{rc.name}"), F.array_repeat(F.lit(None).cast(rc.type), h))
            shifted = F.concat(F.array_repeat(F.lit(None).cast(rc.type), F.least(gap, F.lit(h))), prior)
            cols[rc.name] = F.slice(F.concat(new, shifted), 1, h)
        out = joined.select(k.account, k.month, k.order, *cfg.carry_columns, *[c.alias(n) for n, c in cols.items()])
        for grid in cfg.grid_columns:
            out = out.withColumn(grid.name, F.array_join(F.col(grid.source), "", grid.missing))
        return out.select(*summary_columns(cfg))


if __name__ == "__main__":
    main()
