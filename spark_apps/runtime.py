"""What every job's ``main()`` starts with: common arguments, the environment, a session and table I/O."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from pyspark.sql import SparkSession

from spark_apps import lake_fs
from spark_apps.config import EnvConfig, load_env
from spark_apps.run_log import TaskRun, now_iso, short_error, task_run_uri
from spark_apps.session import build_session
from spark_apps.table_io import TableIO


@dataclass
class JobContext:
    env: EnvConfig
    spark: SparkSession
    io: TableIO
    run_id: str
    task_id: str | None = None
    dag_id: str | None = None


def job_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--env", default=None, help="environment config name (default: $PIPELINE_ENV or dev)")
    parser.add_argument("--run-id", required=True, help="Airflow run id; recorded on every row written")
    parser.add_argument("--dag-id", default=None, help="Airflow DAG id (with --task-id: recorded in ops/run_log)")
    parser.add_argument("--task-id", default=None, help="Airflow task id: the job records its run in ops/run_log")
    return parser


def start_job(app_name: str, args: argparse.Namespace, master: str | None = None) -> JobContext:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    env = load_env(args.env)
    spark = build_session(env, app_name, master)
    return JobContext(
        env,
        spark,
        TableIO.for_env(spark, env),
        args.run_id,
        getattr(args, "task_id", None),
        getattr(args, "dag_id", None),
    )


@contextmanager
def job(
    app: str, args: argparse.Namespace, mode: str | None = None, session_name: str | None = None
) -> Iterator[tuple[JobContext, TaskRun]]:
    """What every recorded job's ``main()`` runs in: the session (named ``session_name``, default the
    app), the run-log record (``recorded``), and the session stopped however the body ends."""
    ctx = start_job(session_name or app, args)
    try:
        with recorded(ctx, app, mode) as run:
            yield ctx, run
    finally:
        ctx.spark.stop()


@contextmanager
def recorded(ctx: JobContext, app: str, mode: str | None = None) -> Iterator[TaskRun]:
    """Record the job's run (counts the body adds, success or the error) in the run log, when it runs
    as an Airflow task (``--task-id``). The record is written before the error propagates, so the
    task's failure callback and alerts can quote the job's own message."""
    run = TaskRun(run_id=ctx.run_id, task_id=ctx.task_id or app, dag_id=ctx.dag_id, app=app, mode=mode)
    try:
        yield run
        run.status = "success"
    except BaseException as exc:
        run.status, run.error = "failed", short_error(exc)
        raise
    finally:
        run.ended_at = now_iso()
        if ctx.task_id:
            try:
                lake_fs.write_text(
                    ctx.spark, task_run_uri(ctx.env, ctx.dag_id or "-", ctx.run_id, ctx.task_id), run.to_json()
                )
            except Exception as exc:  # the run log must never hide the job's own outcome
                logging.getLogger(__name__).warning("could not write the run log record: %s", exc)


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    return parser.parse_args(list(argv) if argv is not None else None)
