"""Task and DAG callbacks, set on every pipeline DAG by ``dag_settings.dag_kwargs``.

Task callbacks complete the run-log record the Spark job wrote (or start one, for tasks that are not
Spark jobs) with how the try ended, and on failure send an alert carrying the job's own error and the
links to the log and the run. DAG callbacks write the DAG run's record. A callback never raises:
the run log and alerts must not change a task's outcome."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from urllib.parse import quote

from lakehouse.alerts import Alert, kind_of, send
from spark_apps.config import EnvConfig
from spark_apps.landing import LandingStore
from spark_apps.run_log import PipelineRun, TaskRun, now_iso, pipeline_run_uri, short_error, task_run_uri

log = logging.getLogger(__name__)


def _store(cfg: EnvConfig) -> LandingStore:
    from lakehouse.s3_store import store_for  # the S3 hook is imported only when a callback runs

    return store_for(cfg)


def _cfg() -> EnvConfig:
    from lakehouse.dag_settings import env  # dag_settings imports this module

    return env()


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def run_url(dag_id: str, run_id: str) -> str:
    from airflow.configuration import conf

    base = conf.get("api", "base_url", fallback="http://localhost:8080/").rstrip("/")
    return f"{base}/dags/{dag_id}/runs/{quote(run_id)}"


def complete_task_run(cfg: EnvConfig, context: dict[str, Any], status: str) -> TaskRun:
    """The try's record: the job's own (counts, error) when it wrote one, plus the Airflow side."""
    ti = context["ti"]
    store, uri = _store(cfg), task_run_uri(cfg, ti.dag_id, ti.run_id, ti.task_id)
    text = store.read_text(uri)
    run = TaskRun.from_json(text) if text else None
    if run is None or run.try_number is not None:  # none yet, or a record an earlier try completed
        run = TaskRun(run_id=ti.run_id, task_id=ti.task_id, started_at=_iso(ti.start_date) or now_iso())
    run.dag_id, run.try_number, run.log_url = ti.dag_id, ti.try_number, ti.log_url
    run.status, run.ended_at = status, run.ended_at or now_iso()
    if status == "failed" and not run.error:
        run.error = short_error(context.get("exception")) or "task failed"
    store.write_text(uri, run.to_json())
    return run


def task_succeeded(context: dict[str, Any]) -> None:
    try:
        complete_task_run(_cfg(), context, "success")
    except Exception as exc:
        log.warning("run log: could not record the task's success: %s", exc)


def task_failed(context: dict[str, Any]) -> None:
    cfg, ti = _cfg(), context["ti"]
    try:
        error = complete_task_run(cfg, context, "failed").error or ""
    except Exception as exc:
        log.warning("run log: could not record the task's failure: %s", exc)
        error = short_error(context.get("exception")) or "task failed"
    alert = Alert(
        kind=kind_of(error),
        dag_id=ti.dag_id,
        task_id=ti.task_id,
        run_id=ti.run_id,
        try_number=ti.try_number,
        error=error,
        log_url=ti.log_url,
        run_url=run_url(ti.dag_id, ti.run_id),
    )
    send(cfg.alerts, alert)


def _dag_finished(context: dict[str, Any], status: str) -> None:
    try:
        cfg, dag_run = _cfg(), context.get("dag_run")
        dag_id, run_id = context["dag"].dag_id, context["run_id"]
        ti = context.get("ti")
        record = PipelineRun(
            run_id=run_id,
            dag_id=dag_id,
            status=status,
            run_type=str(getattr(dag_run, "run_type", "") or "") or None,
            logical_date=_iso(getattr(dag_run, "logical_date", None)),
            started_at=_iso(getattr(dag_run, "start_date", None)),
            failed_tasks=[ti.task_id] if status == "failed" and ti is not None else [],
            error=context.get("reason") if status == "failed" else None,
            url=run_url(dag_id, run_id),
        )
        _store(cfg).write_text(pipeline_run_uri(cfg, dag_id, run_id), record.to_json())
    except Exception as exc:
        log.warning("run log: could not record the DAG run: %s", exc)


def dag_succeeded(context: dict[str, Any]) -> None:
    _dag_finished(context, "success")


def dag_failed(context: dict[str, Any]) -> None:
    _dag_finished(context, "failed")
