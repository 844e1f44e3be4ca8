"""All checks of one table against one full scan of it (the goal of one-pass evaluation: ≤ 1.5×).

    .venv/bin/python bench/quality_checks.py --rows 1000000

Input: an Iceberg table of --rows transactions-like rows (a few of every fault), built once.
- scan:   one full scan of every column (a `noop` write: read and decode everything, write nothing);
- checks: the native engine's gate on the table with one check of every kind (completeness, two
          uniqueness checks, accepted values, pattern, range, non-negative, positive, SQL, referential
          integrity against a product table, freshness, row count) and a null-rate anomaly rule:
          helper columns, the one aggregation, judging.
- shareable: the same suite without its two uniqueness checks: what the one aggregation costs alone
          (uniqueness needs a shuffle of its key columns, one aggregation per check, as in Deequ).
- one_uniqueness: a suite of the `id_unique` check alone (1M distinct string keys): what exact
          uniqueness costs by itself, to set against the scan.
- deequ:  the whole suite through PyDeequ on the real Deequ jar (a VerificationSuite), on the same table.
Each runs --repeat times, alternating, on one warm SparkSession; the best of each counts. The last
line is `name=value` pairs: `checks_vs_scan` (every check, native), `shareable_vs_scan`,
`one_uniqueness_vs_scan`, `native_s`, `deequ_s`, `native_vs_deequ` (native time / Deequ time: below 1,
native is faster) and `disagreements` (check results that differ between the engines: must be 0).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from bench_env import scratch_lake

SUITE = {
    "table": "bench.quality_input",
    "layer": "raw",
    "checks": [
        {"name": "customer_complete", "kind": "completeness", "column": "customer_id"},
        {"name": "id_unique", "kind": "uniqueness", "columns": ["transaction_id"]},
        {"name": "customer_day_unique", "kind": "uniqueness", "columns": ["customer_id", "transaction_date"]},
        {
            "name": "territory_known",
            "kind": "accepted_values",
            "column": "territory",
            "values": ["North America", "Europe", "Asia Pacific", "Latin America"],
        },
        {"name": "store_format", "kind": "pattern", "column": "store_code", "pattern": r"^S\d{3}$"},
        {"name": "quantity_range", "kind": "range", "column": "quantity", "min": 1, "max": 100},
        {"name": "fee_non_negative", "kind": "non_negative", "column": "fee"},
        {"name": "quantity_positive", "kind": "positive", "column": "quantity"},
        {"name": "amount_not_zero", "kind": "sql", "predicate": "amount <> 0"},
        {
            "name": "product_known",
            "kind": "referential_integrity",
            "columns": ["product_id"],
            "reference": "bench.products",
            "reference_columns": ["product_id"],
        },
        {"name": "recent", "kind": "freshness", "column": "transaction_date", "max_age_days": 30},
        {"name": "size", "kind": "row_count", "min": 1},
    ],
    "anomalies": [{"metric": "null_rate", "column": "customer_id", "max_increase": 1.0}],
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()

    scratch_lake("bench-quality-")
    from pyspark.sql import functions as F

    from spark_apps.config import TableSuite, load_env
    from spark_apps.quality.deequ_engine import shutdown_callback_server
    from spark_apps.quality.gate import QualityGate
    from spark_apps.quality.results import disagreements
    from spark_apps.session import build_session
    from spark_apps.table_io import TableIO

    env = load_env("test")
    spark = build_session(env, "bench-quality", master="local[2]")
    io = TableIO.for_env(spark, env)
    spark.sql("CREATE NAMESPACE IF NOT EXISTS lake.bench")
    id_ = F.col("id")
    rows = spark.range(args.rows).select(
        # 0.1 % repeated ids, 0.5 % null customers, unknown products, bad store codes, zero quantities …
        F.concat(F.lit("T"), F.when(id_ % 1000 == 7, id_ - 1).otherwise(id_).cast("string")).alias("transaction_id"),
        F.when(id_ % 200 == 3, None).otherwise(id_ % 50_000).cast("long").alias("customer_id"),
        F.format_string("P%03d", (id_ % 41).cast("int")).alias("product_id"),
        F.when(id_ % 500 == 1, 0).otherwise(id_ % 5 + 1).cast("int").alias("quantity"),
        ((id_ % 997 - 20) * 1.25).cast("decimal(12,2)").alias("amount"),
        F.when(id_ % 10 == 0, (id_ % 997 * 0.1)).otherwise(0).cast("decimal(12,2)").alias("fee"),
        F.date_sub(F.lit("2026-01-31").cast("date"), (id_ % 28).cast("int")).alias("transaction_date"),
        F.element_at(
            F.array(*[F.lit(t) for t in ("North America", "Europe", "Asia Pacific", "Latin America", "Mars")]),
            (id_ % 5 + 1).cast("int"),
        ).alias("territory"),
        F.when(id_ % 300 == 5, "store-9")
        .otherwise(F.format_string("S%03d", (id_ % 120).cast("int")))
        .alias("store_code"),
    )
    rows.writeTo("lake.bench.quality_input").createOrReplace()
    spark.createDataFrame([(f"P{i:03d}",) for i in range(40)], "product_id string").writeTo(
        "lake.bench.products"
    ).createOrReplace()
    table = spark.table("lake.bench.quality_input")
    suite = TableSuite.model_validate(SUITE)

    def engine_env(name: str):
        return env.model_copy(update={"quality": env.quality.model_copy(update={"engine": name})})

    gate = QualityGate(io, engine_env("native"), "bench", dt.datetime(2026, 1, 31))
    deequ_gate = QualityGate(io, engine_env("deequ"), "bench", dt.datetime(2026, 1, 31))

    def scan() -> float:
        start = time.perf_counter()
        spark.table("lake.bench.quality_input").write.format("noop").mode("overwrite").save()
        return time.perf_counter() - start

    shareable = suite.model_copy(update={"checks": [c for c in suite.checks if c.kind != "uniqueness"]})
    one_unique = suite.model_copy(
        update={"checks": [c for c in suite.checks if c.name == "id_unique"], "anomalies": []}
    )
    results: dict[str, list] = {}

    def checks(which: TableSuite = suite, by: QualityGate = gate) -> float:
        start = time.perf_counter()
        results[by.env.quality.engine] = by.check(which, spark.table("lake.bench.quality_input")).results
        return time.perf_counter() - start

    scan(), checks(one_unique), checks(shareable), checks(), checks(by=deequ_gate)  # warm-up: JIT, catalog, cache
    scans, uniques, shared, runs, deequ_runs = [], [], [], [], []
    for _ in range(args.repeat):
        scans.append(scan())
        uniques.append(checks(one_unique))
        shared.append(checks(shareable))
        runs.append(checks())
        deequ_runs.append(checks(by=deequ_gate))
    for r in results["native"]:
        print(f"  {r.check_name:<20} {r.status:<8} pass_rate={r.pass_rate:.4f} {r.message}")
    differ = disagreements(results["native"], results["deequ"])
    for d in differ:
        print(f"  DISAGREEMENT {d}")
    s, c, h, u, q = min(scans), min(runs), min(shared), min(uniques), min(deequ_runs)
    print(
        f"rows={table.count()} checks={len(suite.checks)} scan_s={s:.2f} checks_s={c:.2f} shareable_s={h:.2f} "
        f"one_uniqueness_s={u:.2f} rows_per_s={args.rows / c:.0f} checks_vs_scan={c / s:.2f} "
        f"shareable_vs_scan={h / s:.2f} one_uniqueness_vs_scan={u / s:.2f} native_s={c:.2f} deequ_s={q:.2f} "
        f"native_vs_deequ={c / q:.2f} disagreements={len(differ)}"
    )
    shutdown_callback_server(spark)
    spark.stop()


if __name__ == "__main__":
    main()
