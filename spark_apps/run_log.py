"""The run log: one JSON record per task run and per DAG run, kept in the lake under ``ops/run_log/``.

A Spark job writes what it did (rows in / out / quarantined, the lowest pass rate, its error); the
Airflow task callback then completes the same record with how the task ended (state, try, log link),
and the DAG callback writes the DAG run's record. The files are JSON objects, so the history is
queryable as it stands: ``spark.read.json`` or DuckDB's ``read_json_auto`` over ``task_runs/*/*/*.json``.
No Spark or Airflow imports: both sides use this module.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from spark_apps.config import EnvConfig, safe_run_id
from spark_apps.landing import LandingStore

MAX_ERROR_CHARS = 4000  # an error message, not a whole stack trace


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def short_error(error: BaseException | str | None) -> str | None:
    """The message of an error, cut to a size a log table and an alert can carry."""
    if error is None:
        return None
    text = str(error).strip()
    if not text and isinstance(error, BaseException):
        text = type(error).__name__
    return text[:MAX_ERROR_CHARS]


@dataclass
class TaskRun:
    """One task try. ``status``: running | success | failed. Counts are None where a task has none."""

    run_id: str
    task_id: str
    status: str = "running"
    dag_id: str | None = None
    app: str | None = None
    mode: str | None = None
    started_at: str = field(default_factory=now_iso)
    ended_at: str | None = None
    rows_in: int | None = None
    rows_out: int | None = None
    rows_quarantined: int | None = None
    min_pass_rate: float | None = None
    error: str | None = None
    try_number: int | None = None
    log_url: str | None = None
    # One task that works on several things (the batch's ingest: one part per source) records each.
    parts: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    def add_part(self, name: str, **outcome: Any) -> None:
        """One part's own outcome: ``status``, counts (``rows_in`` …) and ``error``."""
        self.parts.append({"name": name, **outcome})

    @classmethod
    def from_json(cls, text: str) -> TaskRun:
        data: dict[str, Any] = json.loads(text)
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def add(self, **counts: int | float | None) -> None:
        """Accumulate counts over the several steps of one job (e.g. one ingest per source group)."""
        for name, value in counts.items():
            if value is None:
                continue
            if name == "min_pass_rate":
                self.min_pass_rate = value if self.min_pass_rate is None else min(self.min_pass_rate, value)
            else:
                setattr(self, name, (getattr(self, name) or 0) + value)


@dataclass
class PipelineRun:
    """One DAG run, written by the DAG's success / failure callback."""

    run_id: str
    dag_id: str
    status: str
    run_type: str | None = None
    logical_date: str | None = None
    started_at: str | None = None
    ended_at: str = field(default_factory=now_iso)
    failed_tasks: list[str] = field(default_factory=list)
    error: str | None = None
    url: str | None = None

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)


def task_run_uri(env: EnvConfig, dag_id: str, run_id: str, task_id: str) -> str:
    """``ops/run_log/task_runs/<dag>/<run>/<task>.json`` (run ids repeat across DAGs, e.g. scheduled ones)."""
    return env.lake.path("ops", "run_log", "task_runs", dag_id, safe_run_id(run_id), f"{task_id}.json")


def pipeline_run_uri(env: EnvConfig, dag_id: str, run_id: str) -> str:
    return env.lake.path("ops", "run_log", "pipeline_runs", dag_id, f"{safe_run_id(run_id)}.json")


def run_log_root(env: EnvConfig) -> str:
    return env.lake.path("ops", "run_log")


def recent_runs(store: LandingStore, env: EnvConfig, limit: int = 20) -> list[dict[str, Any]]:
    """The newest ``limit`` DAG runs (by end), each with its task records, newest first.

    Reads the JSON records as they stand (no index): one listing per DAG, then one read per run
    shown and per task of those runs."""
    root = run_log_root(env)
    runs: list[dict[str, Any]] = []
    for dag_id in store.list_folders(f"{root}/pipeline_runs"):
        for f in store.list(f"{root}/pipeline_runs/{dag_id}", "*.json"):
            text = store.read_text(f.uri)
            if text:
                runs.append(json.loads(text))
    runs.sort(key=lambda r: (r.get("ended_at") or "", r["dag_id"]), reverse=True)
    shown = runs[:limit]
    for run in shown:
        folder = f"{root}/task_runs/{run['dag_id']}/{safe_run_id(run['run_id'])}"
        tasks = [json.loads(t) for f in store.list(folder, "*.json") if (t := store.read_text(f.uri))]
        run["tasks"] = sorted(tasks, key=lambda t: (t.get("started_at") or "", t.get("task_id") or ""))
    return shown
