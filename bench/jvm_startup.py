"""JVM start-up options for short Spark jobs: the class-data archive and C1-only JIT, measured on a real job.

    .venv/bin/python bench/jvm_startup.py --rounds 3

A retail landing batch at `make demo`'s sizes is loaded into raw in a scratch lake; then the processing
build (`spark_apps/jobs/build_domain.py --domain retail --mode full_refresh`: 4 dimensions and a fact, 6 marts,
about 40 Spark jobs and 12 table commits) is spark-submitted under four driver JVM option sets, one
after the other in each round so that drift hits all four alike:
- none:    the JVM's defaults;
- cds:     `-XX:SharedArchiveFile` of the archive `make install` dumps (`spark_apps.jvm_deps`);
- c1:      `-XX:TieredStopAtLevel=1` (no C2 compiler threads competing for the 2 cores);
- cds_c1:  both.
The last line is `name=value` pairs: each set's median seconds and its ratio to `none`.
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


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--customers", type=int, default=2000)
    p.add_argument("--transactions", type=int, default=50000)
    p.add_argument("--env", default="test")
    args = p.parse_args()

    scratch = scratch_lake("bench-jvm-")
    os.environ["PIPELINE_ENV"] = args.env
    from spark_apps.config import load_env
    from spark_apps.jvm_deps import QUIET_CDS, class_data_archive, local_submit_command
    from spark_apps.sample_data import FaultRates, generate
    from spark_apps.session import build_session
    from spark_apps.spark_conf import spark_conf
    from spark_apps.table_io import TableIO

    archive = class_data_archive()
    if not archive.is_file():
        sys.exit(f"no class-data archive at {archive}: run `make install`")
    env = load_env(args.env)
    spark = build_session(env, "bench-jvm-startup", master="local[2]")
    generate(scratch / "lake" / "landing", "2026-01-01", args.customers, args.transactions, seed=1, faults=FaultRates())
    ingest(TableIO.for_env(spark, env), env, "2026-01-01", RETAIL_SOURCES)
    spark.stop()

    conf = spark_conf(env)
    cds = f"-XX:SharedArchiveFile={archive} {QUIET_CDS}"
    variants = {"none": "", "cds": cds, "c1": "-XX:TieredStopAtLevel=1", "cds_c1": f"{cds} -XX:TieredStopAtLevel=1"}
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    for round_ in range(args.rounds):
        for name, options in variants.items():
            conf["spark.driver.extraJavaOptions"] = options
            app_args = ["--domain", "retail", "--mode", "full_refresh", "--as-of", "2026-01-01"]
            app_args += ["--run-id", f"bench-{name}-{round_}"]
            command = local_submit_command(conf, JOB, app_args, py_files=ROOT / "dist" / "spark_apps.zip")
            start = time.perf_counter()
            proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
            if proc.returncode != 0:
                sys.exit(f"{name} failed:\n{proc.stderr[-3000:]}")
            seconds[name].append(time.perf_counter() - start)
            print(f"round {round_} {name}: {seconds[name][-1]:.1f}s", flush=True)
    median = {name: statistics.median(s) for name, s in seconds.items()}
    figures = [f"{name}_s={median[name]:.1f}" for name in variants]
    figures += [f"{name}_vs_none={median[name] / median['none']:.2f}" for name in variants if name != "none"]
    print(f"job=build_domain_retail rounds={args.rounds} " + " ".join(figures))


if __name__ == "__main__":
    main()
