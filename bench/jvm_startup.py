"""JVM start-up and JIT options for short Spark jobs, measured on a real job.

    .venv/bin/python bench/jvm_startup.py --rounds 3
    .venv/bin/python bench/jvm_startup.py --rounds 2 --variants cds,cds_c1 --warm
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
  loops still reach C2;
- cds_pgc, cds_sgc: the archive, with the Parallel or the Serial collector instead of G1.
`--warm` (build job only) adds `warm`: the same build (`DomainBuild`, full refresh) in this process's
session, warmed by one build first: what the job costs without a JVM's start-up and JIT warm-up.
Each run's wall and CPU seconds (user + sys of the JVM and its Python driver) are measured: when
several jobs share 2 cores, as `make demo`'s processing DAGs do, CPU is what they run out of. The last
line is `name=value` pairs: each set's median wall and CPU seconds, and their ratios to the first set's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench_env import ROOT, scratch_lake
from processing import RETAIL_SOURCES, ingest

JOB = ROOT / "spark_apps" / "jobs" / "build_domain.py"
C1 = "-XX:TieredStopAtLevel=1"
LATE_C2 = (
    "-XX:Tier4InvocationThreshold=50000 -XX:Tier4MinInvocationThreshold=6000"
    " -XX:Tier4CompileThreshold=150000 -XX:Tier4BackEdgeThreshold=400000"
)
# The driver option sets by name; {cds} is the class-data archive's options.
VARIANTS = {
    "none": "",
    "cds": "{cds}",
    "c1": C1,
    "cds_c1": f"{{cds}} {C1}",
    "cds_c2late": f"{{cds}} {LATE_C2}",
    "cds_pgc": "{cds} -XX:+UseParallelGC",
    "cds_sgc": "{cds} -XX:+UseSerialGC",
}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--customers", type=int, default=2000)
    p.add_argument("--transactions", type=int, default=50000)
    p.add_argument("--env", default="test")
    p.add_argument("--job", choices=["build", "landing"], default="build")
    p.add_argument("--variants", default="none,cds,c1,cds_c1", help="comma-separated option sets (see above)")
    p.add_argument("--warm", action="store_true", help="--job build: also the build in a warm session (see above)")
    args = p.parse_args()
    if unknown := [name for name in args.variants.split(",") if name not in VARIANTS]:
        p.error(f"unknown --variants {unknown}: choose from {', '.join(VARIANTS)}")
    if args.warm and args.job != "build":
        p.error("--warm needs --job build")
    return args


def generate_landing(args: argparse.Namespace, landing: Path) -> list[str]:
    """The job's landing batch: the retail sources for the build, every domain's for landing's ingest."""
    from spark_apps.config import load_contracts
    from spark_apps.sample_data import FaultRates, generate

    if args.job == "build":
        generate(landing, "2026-01-01", args.customers, args.transactions, seed=1, faults=FaultRates())
        return RETAIL_SOURCES
    faults = FaultRates.uniform(0.01)  # make demo's sizes, fault rate and seed, every domain
    sizes = {"accounts": 1000, "months": 36, "bank_customers": 500, "app_users": 2000}
    generate(landing, "2026-01-01", args.customers, args.transactions, seed=42, faults=faults, **sizes)
    return [name for name in load_contracts() if (landing / name / "2026-01-01").is_dir()]


def cpu_seconds(pid: int) -> float:
    """User + sys CPU seconds so far of a running process (``/proc/<pid>/stat``), and of this one."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = resource.getrusage(resource.RUSAGE_SELF)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") + own.ru_utime + own.ru_stime


def report(job: str, rounds: int, runs: dict[str, list[tuple[float, float]]]) -> None:
    """The last line: each set's median wall and CPU seconds, and their ratios to the first set's."""
    wall_s = {name: statistics.median(w for w, _ in r) for name, r in runs.items()}
    cpu_s = {name: statistics.median(c for _, c in r) for name, r in runs.items()}
    figures = [f"{name}_s={wall_s[name]:.1f} {name}_cpu_s={cpu_s[name]:.1f}" for name in runs]
    base = next(iter(runs))
    figures += [
        f"{name}_vs_{base}={wall_s[name] / wall_s[base]:.2f} {name}_cpu_vs_{base}={cpu_s[name] / cpu_s[base]:.2f}"
        for name in runs
        if name != base
    ]
    print(f"job={job} rounds={rounds} " + " ".join(figures))


def main() -> None:
    args = parse_args()
    scratch = scratch_lake("bench-jvm-")
    os.environ["PIPELINE_ENV"] = args.env
    from spark_apps.config import load_env
    from spark_apps.domain_build import DomainBuild
    from spark_apps.jvm_deps import QUIET_CDS, class_data_archive, local_submit_command
    from spark_apps.model_spec import load_domain
    from spark_apps.session import build_session
    from spark_apps.spark_conf import spark_conf
    from spark_apps.table_io import TableIO

    archive = class_data_archive()
    if not archive.is_file():
        sys.exit(f"no class-data archive at {archive}: run `make install`")
    env = load_env(args.env)
    sources = generate_landing(args, scratch / "lake" / "landing")
    if args.job == "build":
        spark = build_session(env, "bench-jvm-startup", master="local[2]")
        io = TableIO.for_env(spark, env)
        ingest(io, env, "2026-01-01", sources)
        job, job_args = JOB, ["--domain", "retail", "--mode", "full_refresh", "--as-of", "2026-01-01"]
    else:
        job = ROOT / "spark_apps" / "jobs" / "ingest_raw.py"
        job_args = ["--batch-date", "2026-01-01", *(a for s in sources for a in ("--source", s))]

    conf = spark_conf(env)
    cds = f"-XX:SharedArchiveFile={archive} {QUIET_CDS}"

    def submit(options: str, run_id: str) -> tuple[float, float]:
        """Wall seconds, and CPU seconds (user + sys) of the spark-submit JVM and its Python driver."""
        conf["spark.driver.extraJavaOptions"] = options
        command = local_submit_command(conf, job, [*job_args, "--run-id", run_id], ROOT / "dist" / "spark_apps.zip")
        before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            sys.exit(f"{run_id} failed:\n{proc.stderr[-3000:]}")
        return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    def warm(run_id: str) -> tuple[float, float]:
        """The job's work (``DomainBuild``, full refresh) in this process's warm session."""
        pid = spark._jvm.java.lang.ProcessHandle.current().pid()  # type: ignore[union-attr]
        before, start = cpu_seconds(pid), time.perf_counter()
        DomainBuild(io, env, load_domain("retail"), run_id, dt.date(2026, 1, 1), full_refresh=True).run()
        return time.perf_counter() - start, cpu_seconds(pid) - before

    variants = {name: VARIANTS[name].format(cds=cds) for name in args.variants.split(",")}
    measured: dict[str, Callable[[str], tuple[float, float]]] = {
        name: lambda run_id, options=options: submit(options, run_id) for name, options in variants.items()
    }
    if args.warm:
        print(f"first build in this session (warms it, not counted): {warm('bench-warm-up')[0]:.1f}s", flush=True)
        measured["warm"] = warm
    elif args.job == "build":
        spark.stop()
    if args.job == "landing":
        print(f"first load (creates the tables, not counted): {submit(cds, 'bench-first')[0]:.1f}s", flush=True)
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in measured}
    for round_ in range(args.rounds):
        for name, run in measured.items():
            runs[name].append(run(f"bench-{name}-{round_}"))
            print(f"round {round_} {name}: {runs[name][-1][0]:.1f}s wall, {runs[name][-1][1]:.1f}s CPU", flush=True)
    report(job.stem, args.rounds, runs)


if __name__ == "__main__":
    main()
