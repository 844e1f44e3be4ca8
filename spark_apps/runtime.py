"""What every job's ``main()`` starts with: common arguments, the environment, a session and table I/O."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from pyspark.sql import SparkSession

from spark_apps.config import EnvConfig, load_env
from spark_apps.session import build_session
from spark_apps.table_io import TableIO


@dataclass
class JobContext:
    env: EnvConfig
    spark: SparkSession
    io: TableIO
    run_id: str


def job_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--env", default=None, help="environment config name (default: $PIPELINE_ENV or dev)")
    parser.add_argument("--run-id", required=True, help="Airflow run id; recorded on every row written")
    return parser


def start_job(app_name: str, args: argparse.Namespace, master: str | None = None) -> JobContext:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    env = load_env(args.env)
    spark = build_session(env, app_name, master)
    return JobContext(env, spark, TableIO(spark, env.catalog.name, env.table_format), args.run_id)


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    return parser.parse_args(list(argv) if argv is not None else None)
