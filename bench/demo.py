"""The demo's wall time, DAG by DAG, and how many JVMs it starts.

    .venv/bin/python bench/demo.py

Runs what `make demo` runs, at its default sizes (2,000 customers, 50,000 transactions, 1 % faults,
1,000 accounts × 36 months, 2 % of customers changed the next day, 500 bank customers, 2,000 app
users), in a throw-away lake and Airflow home: the generator, then `airflow dags test` of
landing_to_raw (the day, then the next day's changed customers), retail_processing,
banking_processing, events_processing, account_summary (initial) and processing_to_warehouse. JVM
starts are the `spark-submit` commands the SparkSubmitHook logged. The last line is `name=value`
pairs: `demo_s`, `jvm_starts`, `per_dag_s` (each DAG's seconds), `jvm_share` (the share of the demo
spent in spark-submit tasks, from the task timings Airflow logged: what one Spark application per
batch could save at most). With `--parallel`, the four DAGs that follow landing and read disjoint
inputs (retail, banking and events processing, the account summary) run at once, as the scheduler
starts them when their assets update; their `per_dag_s` then overlap, and `jvm_share` can pass 1.
Every DAG run but the day's landing batch starts its drivers with `--short-jobs-jvm` (C1 only by
default, as `make demo` does; `short_jobs_jvm=0` on the last line when it is given empty).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# Stages in order; the DAGs of one stage read disjoint inputs and write disjoint tables (under the
# scheduler they are triggered by their own assets at the same moment): --parallel runs them at once.
STAGES = [
    [("landing_to_raw", [])],
    [("landing_to_raw", ["-c", "NEXT_DAY"])],  # the next day's delivery of changed customers
    [
        ("retail_processing", []),
        ("banking_processing", []),
        ("events_processing", []),
        ("account_summary", ["-c", '{"mode": "initial"}']),
    ],
    [("processing_to_warehouse", [])],
]
# The one run long enough for C2 to pay; every other is a short job, whose drivers get --short-jobs-jvm
# as `make demo`'s do (DEMO_SHORT_JOBS_JVM).
DAY_BATCH = STAGES[0][0]


def spark_task_seconds(log: str) -> float:
    """Seconds from each SparkSubmitHook command to the end of its task, summed."""
    total, started = 0.0, None
    for m in re.finditer(r"^(\S+)Z .*?(Spark-Submit cmd|\[DAG TEST\] end task)", log, re.M):
        t = dt.datetime.fromisoformat(m.group(1)).timestamp()
        if m.group(2) == "Spark-Submit cmd":
            started = t
        elif started is not None:
            total, started = total + (t - started), None
    return total


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--date", default="2026-01-01")
    p.add_argument("--customers", type=int, default=2000)
    p.add_argument("--transactions", type=int, default=50000)
    p.add_argument("--accounts", type=int, default=1000)
    p.add_argument("--parallel", action="store_true", help="run the DAGs of one stage at once (STAGES)")
    p.add_argument("--logs", type=Path, help="a folder to keep each DAG run's log in (<n>-<dag>.log)")
    p.add_argument(
        "--short-jobs-jvm",
        default="-XX:TieredStopAtLevel=1",
        help="driver JVM options of every DAG run but the day's landing batch, as make demo's (empty: none)",
    )
    args = p.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-demo-"))
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "AIRFLOW_HOME": str(scratch / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW_CONN_SPARK_LOCAL": '{"conn_type":"spark","host":"local[2]"}',
        "PYSPARK_PYTHON": sys.executable,
        "SPARK_VERSION": "3.5",
        "PIPELINE_ENV": "dev",
        "PIPELINE_HOME": str(ROOT),
        "PIPELINE_LAKE_ROOT": str(scratch / "lake"),
        "PIPELINE_WAREHOUSE_PATH": str(scratch / "warehouse.duckdb"),
    }
    subprocess.run([BIN / "airflow", "db", "migrate"], env=env, check=True, capture_output=True)
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "spark_apps.sample_data",
            "--landing",
            str(scratch / "lake" / "landing"),
            "--batch-date",
            args.date,
            "--customers",
            str(args.customers),
            "--transactions",
            str(args.transactions),
            "--fault-rate",
            "0.01",
            "--accounts",
            str(args.accounts),
            "--months",
            "36",
            "--customer-changes",
            "0.02",
            "--bank-customers",
            "500",
            "--app-users",
            "2000",
        ],
        env=env,
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    per_dag: dict[str, float] = {}
    jvm_starts, spark_s = 0, 0.0
    next_day = (dt.date.fromisoformat(args.date) + dt.timedelta(days=1)).isoformat()
    groups = STAGES if args.parallel else [[run] for stage in STAGES for run in stage]

    def dag_test(dag_id: str, extra: list[str]) -> tuple[str, float, subprocess.CompletedProcess[str]]:
        short = (dag_id, extra) != DAY_BATCH
        run_env = {**env, "PIPELINE_DRIVER_JAVA_OPTIONS": args.short_jobs_jvm} if short else env
        extra = [f'{{"batch_date": "{next_day}"}}' if e == "NEXT_DAY" else e for e in extra]
        command = [BIN / "airflow", "dags", "test", dag_id, args.date, *extra]
        t0 = time.perf_counter()
        proc = subprocess.run(command, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return dag_id, time.perf_counter() - t0, proc

    for group in groups:
        with ThreadPoolExecutor(len(group)) as pool:
            finished = list(pool.map(lambda run: dag_test(*run), group))
        for dag_id, seconds, proc in finished:
            per_dag[dag_id] = per_dag.get(dag_id, 0.0) + seconds
            if args.logs:
                args.logs.mkdir(parents=True, exist_ok=True)
                (args.logs / f"{len(list(args.logs.iterdir()))}-{dag_id}.log").write_text(proc.stdout)
            if proc.returncode != 0:
                sys.exit(f"{dag_id} failed:\n{proc.stdout[-3000:]}")
            jvm_starts += proc.stdout.count("Spark-Submit cmd")
            spark_s += spark_task_seconds(proc.stdout)
            print(f"{dag_id}: {per_dag[dag_id]:.1f}s", flush=True)
    demo_s = time.perf_counter() - start
    dags = ",".join(f"{d}:{s:.1f}" for d, s in per_dag.items())
    print(
        f"demo_s={demo_s:.1f} parallel={int(args.parallel)} short_jobs_jvm={int(bool(args.short_jobs_jvm))} "
        f"jvm_starts={jvm_starts} per_dag_s={dags} "
        f"jvm_share={spark_s / demo_s:.2f}"
    )


if __name__ == "__main__":
    main()
