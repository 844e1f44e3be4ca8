"""Raw ingestion throughput against the I/O floor.

    .venv/bin/python bench/raw_ingest.py --transactions 1000000 --fault-rate 0.01

Both sides start from the same landed CSV files and end in an Iceberg table:
- floor:    spark.read.csv(header) → append to an Iceberg table (all strings, no checks);
- pipeline: file validation (checksum, UTF-8, header) + ingest_plan (line numbers, per-file headers,
            typing, duplicate keys, reasons, raw + quarantine commits, manifest MERGE, watermark,
            conservation check): what one landing_to_raw group does;
- fixed:    the same pipeline on a batch of --small-transactions rows (another landing date): what a
            load costs before it parses any real volume (its commits, MERGEs, quality results and
            reports), to set against the floor of the large batch.
- deequ_baseline: the plain way (S2's): read the CSV, cast to the contract's types, run the raw suite
            as a PyDeequ VerificationSuite, and write the whole batch only if it passes (a failing
            batch is rejected whole: no row-level quarantine, no manifest, no conservation proof).
Each is run --repeat times, alternating, on one warm SparkSession; the best run of each counts.
The last line is `name=value` pairs; `ingest_vs_io_floor` is the figure to watch, `fixed_vs_io_floor`
the part of it that no per-row speed-up removes, `ingest_vs_deequ_baseline` what the row-level
contract, quarantine and conservation cost against the plain Deequ load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

from bench_env import scratch_lake


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--transactions", type=int, default=300_000)
    p.add_argument("--fault-rate", type=float, default=0.01)
    p.add_argument("--small-transactions", type=int, default=1_000)
    p.add_argument("--repeat", type=int, default=2)
    args = p.parse_args()

    scratch = scratch_lake("bench-ingest-")
    from pyspark.sql import functions as F

    from spark_apps.config import load_contract_by_name, load_env, load_suites
    from spark_apps.landing import LocalStore, plan_batch
    from spark_apps.quality.deequ_engine import deequ_plan, run_verification
    from spark_apps.quality.rules import prepare
    from spark_apps.raw_batch import ingest_plan
    from spark_apps.sample_data import FaultRates, generate
    from spark_apps.session import build_session
    from spark_apps.table_io import TableIO

    date, small_date = "2026-01-01", "2026-01-02"
    landing, faults = Path(scratch / "lake" / "landing"), FaultRates.uniform(args.fault_rate)
    files = generate(landing, date, 5_000, args.transactions, seed=1, faults=faults).files["transactions"]
    generate(landing, small_date, 5_000, args.small_transactions, seed=2, faults=faults)
    env = load_env("test")
    spark = build_session(env, "bench-raw-ingest", master="local[2]")
    io = TableIO.for_env(spark, env)
    contract = load_contract_by_name("transactions")

    def floor() -> float:
        start = time.perf_counter()
        spark.read.option("header", True).csv(files).writeTo("lake.bench.floor").createOrReplace()
        return time.perf_counter() - start

    results = {}

    def pipeline(day: str = date) -> float:
        start = time.perf_counter()
        plan = plan_batch(LocalStore(), env.lake.root, contract, [day])
        results[day] = ingest_plan(io, env, contract, plan, "bench")
        return time.perf_counter() - start

    suite = load_suites("raw")["raw.transactions"]
    baseline_status: list[str] = []

    def deequ_baseline() -> float:
        start = time.perf_counter()
        raw = spark.read.option("header", True).csv(files)
        typed = raw.select(*[F.col(c.name).cast(c.type).alias(c.name) for c in contract.columns])
        prepared = prepare(typed, suite, spark, env.catalog.name, dt.datetime.fromisoformat(date))
        status = run_verification(spark, prepared, deequ_plan(suite, env.quality.threshold("raw"))).status
        baseline_status.append(status)
        if status != "Error":  # the whole batch, or nothing
            typed.writeTo("lake.bench.deequ_baseline").createOrReplace()
        return time.perf_counter() - start

    spark.sql("CREATE NAMESPACE IF NOT EXISTS lake.bench")
    floor(), pipeline(small_date), deequ_baseline()  # warm-up: JIT, catalog, file cache, the ops tables
    floor_times, ingest_times, fixed_times, baseline_times = [], [], [], []
    for _ in range(args.repeat):
        floor_times.append(floor())
        ingest_times.append(pipeline())
        fixed_times.append(pipeline(small_date))
        baseline_times.append(deequ_baseline())
    result, small = results[date], results[small_date]
    assert result.conserved and small.conserved
    f, i, x, b = min(floor_times), min(ingest_times), min(fixed_times), min(baseline_times)
    print(f"conservation: {result.summary()}")
    print(f"conservation (small batch): {small.summary()}")
    print(f"deequ baseline verdicts: {baseline_status}")
    print(
        f"rows={result.rows_read} rows_loaded={result.rows_loaded} rows_quarantined={result.rows_quarantined} "
        f"small_rows={small.rows_read} floor_s={f:.2f} ingest_s={i:.2f} fixed_s={x:.2f} deequ_baseline_s={b:.2f} "
        f"ingest_rows_per_s={result.rows_read / i:.0f} ingest_vs_io_floor={i / f:.2f} fixed_vs_io_floor={x / f:.2f} "
        f"ingest_vs_deequ_baseline={i / b:.2f}"
    )
    spark.stop()


if __name__ == "__main__":
    main()
