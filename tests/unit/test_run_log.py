"""The run log's records: what a job accumulates, and how a task callback completes them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

from lakehouse.callbacks import complete_task_run
from spark_apps.config import load_env
from spark_apps.run_log import MAX_ERROR_CHARS, TaskRun, short_error, task_run_uri


def test_counts_accumulate_over_a_jobs_steps_and_the_lowest_pass_rate_wins():
    run = TaskRun(run_id="r1", task_id="t")

    run.add(rows_in=10, rows_out=9, rows_quarantined=1, min_pass_rate=0.97)
    run.add(rows_in=5, rows_out=5, rows_quarantined=0, min_pass_rate=0.99)

    assert (run.rows_in, run.rows_out, run.rows_quarantined, run.min_pass_rate) == (15, 14, 1, 0.97)


def test_a_record_reads_back_and_ignores_fields_it_does_not_know():
    run = TaskRun(run_id="r1", task_id="t", rows_in=3)
    data = {**json.loads(run.to_json()), "added_by_a_newer_release": 1}

    assert TaskRun.from_json(json.dumps(data)) == run


def test_errors_are_their_message_cut_to_size():
    assert short_error(ValueError("x" * (MAX_ERROR_CHARS + 10))) == "x" * MAX_ERROR_CHARS
    assert short_error(KeyboardInterrupt()) == "KeyboardInterrupt"
    assert short_error(None) is None


def context(try_number: int, exception: Exception | None = None) -> dict:
    ti = SimpleNamespace(
        run_id="manual__2026-03-01T00:00:00+00:00",
        task_id="ingest",
        dag_id="landing_to_raw",
        try_number=try_number,
        log_url=f"http://localhost:8080/dags/landing_to_raw/runs/x/tasks/ingest?try_number={try_number}",
        start_date=dt.datetime(2026, 3, 1, 6, 0, tzinfo=dt.UTC),
    )
    return {"ti": ti, "exception": exception}


def test_the_callback_completes_the_jobs_record_with_the_airflow_side(tmp_path, monkeypatch):
    # given the record the Spark job wrote for this try (counts, its own error)
    monkeypatch.setenv("PIPELINE_LAKE_ROOT", str(tmp_path))
    cfg = load_env("test")
    record = Path(task_run_uri(cfg, "landing_to_raw", "manual__2026-03-01T00:00:00+00:00", "ingest"))
    job = TaskRun(run_id="manual__2026-03-01T00:00:00+00:00", task_id="ingest", app="ingest_raw")
    job.add(rows_in=10)
    job.add_part("customers", status="failed", rows_in=10, error="quality gate 'raw' failed: ...")
    job.status, job.error = "failed", "quality gate 'raw' failed: ..."
    record.parent.mkdir(parents=True)
    record.write_text(job.to_json())

    # when the task's failure callback runs (the operator's exception is generic)
    run = complete_task_run(cfg, context(1, RuntimeError("Cannot execute: spark-submit")), "failed")

    # then the job's counts and message are kept, and the try, the DAG and the log link are added
    assert (run.rows_in, run.error, run.app) == (10, "quality gate 'raw' failed: ...", "ingest_raw")
    assert run.parts == [
        {"name": "customers", "status": "failed", "rows_in": 10, "error": "quality gate 'raw' failed: ..."}
    ]
    assert (run.dag_id, run.try_number, run.status) == ("landing_to_raw", 1, "failed")
    assert json.loads(record.read_text())["try_number"] == 1

    # and a second try whose job wrote nothing starts a fresh record with the operator's error
    retry = complete_task_run(cfg, context(2, RuntimeError("Cannot execute: spark-submit")), "failed")
    assert (retry.try_number, retry.rows_in, retry.error) == (2, None, "Cannot execute: spark-submit")
    assert retry.started_at == "2026-03-01T06:00:00+00:00"


def test_recent_runs_are_newest_first_with_their_tasks(tmp_path, monkeypatch):
    from spark_apps.landing import LocalStore
    from spark_apps.run_log import PipelineRun, pipeline_run_uri, recent_runs

    # Given three DAG runs in the run log (two of one DAG), and the task records of the newest
    monkeypatch.setenv("PIPELINE_LAKE_ROOT", str(tmp_path))
    cfg, store = load_env("test"), LocalStore()
    for dag, run, ended in [
        ("a", "r1", "2026-03-01T01:00:00+00:00"),
        ("b", "r2", "2026-03-01T03:00:00+00:00"),
        ("a", "manual__r3:x", "2026-03-01T02:00:00+00:00"),
    ]:
        store.write_text(pipeline_run_uri(cfg, dag, run), PipelineRun(run, dag, "success", ended_at=ended).to_json())
    for task, started in [("ingest", "2026-03-01T02:30:00+00:00"), ("validate", "2026-03-01T02:10:00+00:00")]:
        record = TaskRun(run_id="r2", task_id=task, status="success", started_at=started, rows_in=5)
        store.write_text(task_run_uri(cfg, "b", "r2", task), record.to_json())

    # When the two newest are asked for
    runs = recent_runs(store, cfg, limit=2)

    # Then they come newest first, each with its tasks in the order they started
    assert [(r["dag_id"], r["run_id"]) for r in runs] == [("b", "r2"), ("a", "manual__r3:x")]
    assert [(t["task_id"], t["rows_in"]) for t in runs[0]["tasks"]] == [("validate", 5), ("ingest", 5)]
    assert runs[1]["tasks"] == []
