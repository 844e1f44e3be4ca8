"""Landing's one application: the ops rows of a batch committed per source, or once per batch.

    .venv/bin/python bench/landing_batch.py --format delta

Both sides load the same day's files of every source (the end-to-end lake's batch: `generate_landing`), as
landing_to_raw's ingest task does, on one warm SparkSession:
- per_source: `ingest_plan` for each source in turn, each committing its own quality results,
  manifest rows and watermark (three MERGEs per source): how landing committed them before;
- batched:    `ingest_sources`, which gathers every source's ops rows and commits them at the end,
  one MERGE per ops table (`table_io.PendingMerges`).
Each load after the first re-runs the same batch (an idempotent re-run: it replaces what the last one
wrote), alternating, --repeat times; the best of each counts. Both load identical rows (checked).
The last line is `name=value` pairs; `batched_vs_per_source` is the figure.
"""

from __future__ import annotations

import argparse
import time

from bench_env import scratch_lake


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--format", choices=["iceberg", "delta"], default="iceberg")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()

    scratch = scratch_lake("bench-landing-batch-")
    from spark_apps.config import load_contract_by_name, load_env
    from spark_apps.jobs.ingest_raw import ingest_sources
    from spark_apps.landing import LocalStore, plan_batch
    from spark_apps.raw_batch import BatchResult, ingest_plan
    from spark_apps.run_log import TaskRun
    from spark_apps.runtime import JobContext
    from spark_apps.session import build_session
    from spark_apps.table_io import TableIO
    from tests.integration.e2e_lake import BATCH_DATE, generate_landing

    summary = generate_landing(scratch / "lake" / "landing")
    env = load_env("test" if args.format == "iceberg" else "test_delta")
    spark = build_session(env, "bench-landing-batch", master="local[2]")
    io = TableIO.for_env(spark, env)
    contracts = [load_contract_by_name(source) for source in sorted(summary.rows)]

    def plan(contract):
        return lambda: plan_batch(LocalStore(), env.lake.root, contract, [BATCH_DATE], "incremental")

    loaded: dict[str, set[tuple]] = {}

    def per_source() -> float:
        start = time.perf_counter()
        results: list[BatchResult] = [ingest_plan(io, env, c, plan(c)(), "bench") for c in contracts]
        elapsed = time.perf_counter() - start
        loaded["per_source"] = {(r.source, r.rows_read, r.rows_loaded, r.rows_quarantined) for r in results}
        return elapsed

    def batched() -> float:
        run = TaskRun(run_id="bench", task_id="ingest")
        start = time.perf_counter()
        ingest_sources(JobContext(env, spark, io, "bench", "ingest"), run, [(c, plan(c)) for c in contracts])
        elapsed = time.perf_counter() - start
        loaded["batched"] = {(p["name"], p["rows_in"], p["rows_out"], p["rows_quarantined"]) for p in run.parts}
        return elapsed

    per_source(), batched()  # warm-up: the first load creates every table; JIT, catalog, file cache
    per_source_times, batched_times = [], []
    for _ in range(args.repeat):
        per_source_times.append(per_source())
        batched_times.append(batched())
    assert loaded["per_source"] == loaded["batched"], loaded
    a, b = min(per_source_times), min(batched_times)
    rows = sum(r[1] for r in loaded["batched"])
    print(f"loaded per source (source, read, loaded, quarantined): {sorted(loaded['batched'])}")
    print(f"per_source runs: {[round(t, 1) for t in per_source_times]}")
    print(f"batched runs: {[round(t, 1) for t in batched_times]}")
    print(
        f"format={args.format} sources={len(contracts)} rows={rows} per_source_s={a:.2f} batched_s={b:.2f} "
        f"batched_vs_per_source={b / a:.2f}"
    )
    spark.stop()


if __name__ == "__main__":
    main()
