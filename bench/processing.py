"""Processing build: what an incremental run costs against a full rebuild of the same tables.

    .venv/bin/python bench/processing.py --transactions 200000 --changed 0.01

A first landing batch (customers, products, fiscal calendar, --transactions transactions) is loaded
into raw and built once. A second batch re-delivers --changed of the transactions with new values
(the generator's ids repeat, so they are corrections, not new rows). Then, on one warm SparkSession:
- incremental: the retail `DomainBuild` after the second batch (recomputes the changed transactions, the months
  they fall in and the ranking marts; dimensions are compared and left as they are);
- full:        the same build with full_refresh (everything recomputed and synced, same result).
The last line is `name=value` pairs: `incremental_vs_full` is the figure to watch (fixed costs per
table keep it well above the changed share at small sizes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench_env import scratch_lake

if TYPE_CHECKING:
    from spark_apps.config import EnvConfig
    from spark_apps.table_io import TableIO

RETAIL_SOURCES = ["customers", "products", "fiscal_calendar", "transactions"]


def ingest(io: TableIO, env: EnvConfig, date: str, sources: list[str]) -> None:
    """Load one landing batch of ``sources`` into raw, checking that every row is accounted for."""
    from spark_apps.config import load_contract_by_name
    from spark_apps.landing import LocalStore, plan_batch
    from spark_apps.raw_batch import ingest_plan

    for source in sources:
        contract = load_contract_by_name(source)
        result = ingest_plan(io, env, contract, plan_batch(LocalStore(), env.lake.root, contract, [date]), "bench")
        assert result.conserved, result.summary()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--transactions", type=int, default=200_000)
    p.add_argument("--customers", type=int, default=10_000)
    p.add_argument("--changed", type=float, default=0.01, help="share of transactions re-delivered changed")
    args = p.parse_args()

    scratch = scratch_lake("bench-processing-")
    from spark_apps.config import load_env
    from spark_apps.domain_build import DomainBuild
    from spark_apps.model_spec import load_domain
    from spark_apps.sample_data import FaultRates, generate
    from spark_apps.session import build_session
    from spark_apps.table_io import TableIO

    landing = Path(scratch / "lake" / "landing")
    env = load_env("test")
    spark = build_session(env, "bench-processing", master="local[2]")
    io = TableIO.for_env(spark, env)
    retail = load_domain("retail")

    def build(run: str, full: bool) -> tuple[float, list[str]]:
        start = time.perf_counter()
        lines = DomainBuild(io, env, retail, run, dt.date(2026, 1, 2), full_refresh=full).run().lines
        return time.perf_counter() - start, lines

    generate(landing, "2026-01-01", args.customers, args.transactions, seed=1, faults=FaultRates())
    ingest(io, env, "2026-01-01", RETAIL_SOURCES)
    first_s, _ = build("initial", full=False)  # also warms the JVM and the catalog
    changed = max(int(args.transactions * args.changed), 1)
    generate(landing, "2026-01-02", args.customers, changed, seed=2, faults=FaultRates())
    ingest(io, env, "2026-01-02", ["transactions"])

    incremental_s, lines = build("incremental", full=False)
    full_s, _ = build("full", full=True)
    fact = next(line for line in lines if "fact_transactions" in line)
    recomputed = fact.split("rows_selected=")[1].split()[0]
    print("\n".join(lines))
    print(
        f"transactions={args.transactions} changed={changed} first_build_s={first_s:.2f} "
        f"incremental_s={incremental_s:.2f} full_s={full_s:.2f} fact_recomputed={recomputed} "
        f"full_rows_per_s={args.transactions / full_s:.0f}"
    )
    print(f"incremental_vs_full={incremental_s / full_s:.2f} changed_share={changed / args.transactions:.4f}")
    spark.stop()


if __name__ == "__main__":
    main()
