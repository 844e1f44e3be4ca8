"""The processing gate on clean tables: each listing rewritten on every run, or left alone while empty.

    .venv/bin/python bench/quality_listings.py --format delta

Input: --tables clean tables of --rows rows, each with a suite of three quarantining checks (as the
processing suites have), on one warm SparkSession. Two gates check them, `QualityGate.check_tables`
with its checks, results and listings:
- rewrite: every run writes each table's listing: `ensure_table`, then `replace_where` of its (empty)
           failures: what the gate did before a43cde9;
- gate:    the gate as it is: with no failing row (read from the results), a new listing is only
           created, and an empty one is not written.
Each round makes fresh tables for both sides and times two runs of each gate: `first` (the listings
are created) and `again` (a re-run, the listings exist and are empty). --repeat rounds, alternating,
after one warm-up round; the best of each counts. Both sides must record the same results (checked).
The last line is `name=value` pairs; `first_gate_vs_rewrite` and `again_gate_vs_rewrite` are the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from bench_env import scratch_lake

CHECKS = [
    {"name": "id_present", "kind": "completeness", "column": "id"},
    {"name": "id_unique", "kind": "uniqueness", "columns": ["id"]},
    {"name": "email_format", "kind": "pattern", "column": "email", "pattern": r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"},
]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--format", choices=["iceberg", "delta"], default="iceberg")
    p.add_argument("--tables", type=int, default=6)
    p.add_argument("--rows", type=int, default=2000)
    p.add_argument("--repeat", type=int, default=2)
    args = p.parse_args()

    scratch_lake("bench-quality-listings-")
    from pyspark.sql import functions as F

    from spark_apps.config import TableSuite, load_env
    from spark_apps.quality.gate import QualityGate
    from spark_apps.session import build_session
    from spark_apps.table_io import TableIO

    class RewriteEveryRun(QualityGate):
        """The baseline: every listing written on every run, failing rows or not."""

        def _list_failures(self, checked, target: str) -> None:
            self._write_listing(checked, target, replace=True)

    env = load_env("test" if args.format == "iceberg" else "test_delta")
    spark = build_session(env, "bench-quality-listings", master="local[2]")
    io = TableIO.for_env(spark, env)
    as_of = dt.datetime(2026, 2, 1)
    data = spark.range(args.rows).select(
        F.col("id"), F.concat(F.lit("user"), F.col("id").cast("string"), F.lit("@example.com")).alias("email")
    )

    def fresh_suites(namespace: str) -> list[TableSuite]:
        """--tables new clean tables in ``namespace`` (not timed), and their suites."""
        suites = []
        for i in range(args.tables):
            table = env.table(namespace, f"t{i}")
            io.ensure_table(table, data.schema)
            io.replace_where(data, table, "true")
            suites.append(
                TableSuite.model_validate({"table": f"{namespace}.t{i}", "layer": "processing", "checks": CHECKS})
            )
        return suites

    times: dict[str, list[float]] = {f"{run}_{side}": [] for run in ("first", "again") for side in ("rewrite", "gate")}
    recorded: dict[str, set[tuple]] = {}

    def one_round(r: int) -> None:
        for side, gate_class in (("rewrite", RewriteEveryRun), ("gate", QualityGate)):
            suites = fresh_suites(f"bench_{side}_{chr(ord('a') + r)}")  # namespaces take no digits
            for run in ("first", "again"):
                gate = gate_class(io, env, f"{side}-{r}-{run}", as_of)
                start = time.perf_counter()
                results = gate.check_tables(suites)
                times[f"{run}_{side}"].append(time.perf_counter() - start)
                recorded[side] = {(x.table_name.split(".")[1], x.check_name, x.status, x.rows_failed) for x in results}

    one_round(0)  # warm-up: JIT, catalog, Deequ's classes
    for key in times:
        times[key].clear()
    for r in range(1, args.repeat + 1):
        one_round(r)
    assert recorded["rewrite"] == recorded["gate"] and len(recorded["gate"]) == args.tables * len(CHECKS), recorded
    best = {key: min(values) for key, values in times.items()}
    for key, values in times.items():
        print(f"{key} runs: {[round(t, 2) for t in values]}")
    print(
        f"format={args.format} tables={args.tables} rows={args.rows} "
        + " ".join(f"{key}_s={value:.2f}" for key, value in best.items())
        + f" first_gate_vs_rewrite={best['first_gate'] / best['first_rewrite']:.2f}"
        + f" again_gate_vs_rewrite={best['again_gate'] / best['again_rewrite']:.2f}"
    )
    spark.stop()


if __name__ == "__main__":
    main()
