"""JVM start-up and JIT options for short Spark jobs, measured on a real job.

    .venv/bin/python bench/jvm_startup.py --rounds 3
    .venv/bin/python bench/jvm_startup.py --job landing --env dev --variants cds,cds_c1,cds_c2late --rounds 2

`--job build` (the default): a retail landing batch at `make demo`'s sizes is loaded into raw in a
scratch lake; then the processing build (`spark_apps/jobs/build_domain.py --domain retail --mode
full_refresh`: 4 dimensions and a fact, 6 marts, about 40 Spark jobs and 12 table commits) is
spark-submitted. `--job landing`: `make demo`'s landing files of every domain are generated, and
landing's ingest (`spark_apps/jobs/ingest_raw.py`, every source of the day's batch in one application)
is spark-submitted: once to create the tables (not counted), then as re-runs, which replace each
source's batch and so repeat the same work. Each round runs the job under every option set, one after
the other, so that drift hits all alike:
- none:    the JVM's defaults;
- cds:     `-XX:SharedArchiveFile` of the archive `make install` dumps (`spark_apps.jvm_deps`);
- c1:      `-XX:TieredStopAtLevel=1` (no C2 compiler threads competing for the 2 cores);
- cds_c1:  both;
- cds_c2late: the archive, and C2 (the optimising JIT) only for code ten times hotter than HotSpot's
  default thresholds (`LATE_C2`): a short job's generated classes stay C1-compiled, a large batch's hot
  loops still reach C2.
The last line is `name=value` pairs: each set's median seconds and its ratio to the first set.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from bench_env import ROOT, scratch_lake
from processing import RETAIL_SOURCES, ingest

JOB = ROOT / "spark_apps" / "jobs" / "build_domain.py"
C1 = "-XX:TieredStopAtLevel=1"
LATE_C2 = (
    "-XX:Tier4InvocationThreshold=50000 -XX:Tier4MinInvocationThreshold=6000"
    " -XX:Tier4CompileThreshold=150000 -XX:Tier4BackEdgeThreshold=400000"
)
# The driver option sets by name; {cds} is the class-data archive's options.
VARIANTS = {"none": "", "cds": "{cds}", "c1": C1, "cds_c1": f"{{cds}} {C1}", "cds_c2late": f"{{cds}} {LATE_C2}"}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--customers", type=int, default=2000)
    p.add_argument("--transactions", type=int, default=50000)
    p.add_argument("--env", default="test")
    p.add_argument("--job", choices=["build", "landing"], default="build")
    p.add_argument("--variants", default="none,cds,c1,cds_c1", help="comma-separated option sets (see above)")
    args = p.parse_args()
    names = args.variants.split(",")
    if unknown := [name for name in names if name not in VARIANTS]:
        p.error(f"unknown --variants {unknown}: choose from {', '.join(VARIANTS)}")

    scratch = scratch_lake("bench-jvm-")
    os.environ["PIPELINE_ENV"] = args.env
    from spark_apps.config import load_contracts, load_env
    from spark_apps.jvm_deps import QUIET_CDS, class_data_archive, local_submit_command
    from spark_apps.sample_data import FaultRates, generate
    from spark_apps.session import build_session
    from spark_apps.spark_conf import spark_conf
    from spark_apps.table_io import TableIO

    archive = class_data_archive()
    if not archive.is_file():
        sys.exit(f"no class-data archive at {archive}: run `make install`")
    env = load_env(args.env)
    landing = scratch / "lake" / "landing"
    if args.job == "build":
        spark = build_session(env, "bench-jvm-startup", master="local[2]")
        generate(landing, "2026-01-01", args.customers, args.transactions, seed=1, faults=FaultRates())
        ingest(TableIO.for_env(spark, env), env, "2026-01-01", RETAIL_SOURCES)
        spark.stop()
        job, job_args = JOB, ["--domain", "retail", "--mode", "full_refresh", "--as-of", "2026-01-01"]
    else:
        faults = FaultRates.uniform(0.01)  # make demo's sizes, fault rate and seed, every domain
        generate(
            landing,
            "2026-01-01",
            args.customers,
            args.transactions,
            seed=42,
            faults=faults,
            accounts=1000,
            months=36,
            bank_customers=500,
            app_users=2000,
        )
        sources = [name for name in load_contracts() if (landing / name / "2026-01-01").is_dir()]
        job = ROOT / "spark_apps" / "jobs" / "ingest_raw.py"
        job_args = ["--batch-date", "2026-01-01", *(a for s in sources for a in ("--source", s))]

    conf = spark_conf(env)
    cds = f"-XX:SharedArchiveFile={archive} {QUIET_CDS}"
    variants = {name: VARIANTS[name].format(cds=cds) for name in names}

    def submit(options: str, run_id: str) -> float:
        conf["spark.driver.extraJavaOptions"] = options
        command = local_submit_command(conf, job, [*job_args, "--run-id", run_id], ROOT / "dist" / "spark_apps.zip")
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"{run_id} failed:\n{proc.stderr[-3000:]}")
        return time.perf_counter() - start

    if args.job == "landing":
        print(f"first load (creates the tables, not counted): {submit(cds, 'bench-first'):.1f}s", flush=True)
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    for round_ in range(args.rounds):
        for name, options in variants.items():
            seconds[name].append(submit(options, f"bench-{name}-{round_}"))
            print(f"round {round_} {name}: {seconds[name][-1]:.1f}s", flush=True)
    median = {name: statistics.median(s) for name, s in seconds.items()}
    figures = [f"{name}_s={median[name]:.1f}" for name in variants]
    base = next(iter(variants))
    figures += [f"{name}_vs_{base}={median[name] / median[base]:.2f}" for name in variants if name != base]
    print(f"job={job.stem} rounds={args.rounds} " + " ".join(figures))


if __name__ == "__main__":
    main()
