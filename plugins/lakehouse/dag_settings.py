"""What every DAG shares: the environment, default args and run-level templates."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import pendulum
from airflow.sdk import Param

from lakehouse import callbacks
from spark_apps.config import EnvConfig, load_env

TAGS = ["lakehouse"]

# The day a run stands for: its logical date, else (asset-triggered or date-less manual runs) the day
# it was scheduled to run. The batch a run loads is the `batch_date` param when given (UI / CLI), else that.
_RUN_DAY = "(dag_run.logical_date or dag_run.run_after).strftime('%Y-%m-%d')"
RUN_DATE = "{{ " + _RUN_DAY + " }}"
BATCH_DATE = "{{ params.batch_date or " + _RUN_DAY + " }}"


@cache
def env() -> EnvConfig:
    return load_env()


def default_args(cfg: EnvConfig) -> dict[str, Any]:
    return {
        "owner": cfg.airflow.owner,
        "retries": cfg.airflow.retries,
        "retry_delay": dt.timedelta(minutes=cfg.airflow.retry_delay_minutes),
        # every task completes its run-log record; a failure also alerts (config `alerts`)
        "on_success_callback": callbacks.task_succeeded,
        "on_failure_callback": callbacks.task_failed,
    }


def start_date(cfg: EnvConfig) -> pendulum.DateTime:
    return pendulum.parse(cfg.airflow.start_date, tz="UTC")  # type: ignore[return-value]


def dag_kwargs(cfg: EnvConfig, *tags: str) -> dict[str, Any]:
    """What every pipeline DAG shares: start date, no catch-up, one run at a time, defaults, tags."""
    return {
        "start_date": start_date(cfg),
        "catchup": False,
        "max_active_runs": 1,
        "default_args": default_args(cfg),
        "tags": [*TAGS, *tags],
        "on_success_callback": callbacks.dag_succeeded,
        "on_failure_callback": callbacks.dag_failed,
    }


def mode_param(full_refresh_does: str) -> Param:
    """The ``mode`` param of a DAG that builds incrementally: ``incremental`` (default) or ``full_refresh``."""
    return Param("incremental", enum=["incremental", "full_refresh"], description=f"full_refresh {full_refresh_does}")
