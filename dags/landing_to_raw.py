"""Landing → raw: each source's files for the batch date become rows in raw.<source> or quarantine.

One task group per contract in config/domains/<domain>/sources (adding a source adds a group, with no code change):
- wait_for_files (lake on S3): an S3 sensor in reschedule mode for the batch folder;
- validate_files: checksums, UTF-8, empty files, headers against the contract; bad files are moved
  to quarantine/files/<source>/<batch>/ with a reason.json; writes the batch plan (skipped when the
  source delivered nothing).
Then one ingest task, one Spark application for the whole batch: it loads each source's plan in
turn, skips re-delivered files, quarantines bad rows, proves rows read = rows loaded + rows
quarantined per source, records each source's counts in the run log, and fails naming every source
that failed (the others stay committed). It waits for every validation: a failed one blocks the batch.
Params: batch_date (default: the run's date) and mode (incremental, or full_refresh to reload every
landing folder of every source).
"""

from __future__ import annotations

from airflow.sdk import Param, TaskGroup, dag, task

from lakehouse.assets import table_asset
from lakehouse.dag_settings import BATCH_DATE, dag_kwargs, env, mode_param
from lakehouse.spark_tasks import spark_task
from spark_apps.config import load_contracts

cfg = env()


@task(task_id="validate_files")
def validate_files(source: str, batch_date: str, mode: str, run_id: str | None = None) -> str:
    from airflow.sdk.exceptions import AirflowSkipException

    from lakehouse.landing_tasks import NoFilesLanded, validate_batch

    try:
        return validate_batch(cfg, source, batch_date, mode, run_id or "manual")
    except NoFilesLanded as exc:
        raise AirflowSkipException(str(exc)) from exc


def wait_for_files(source: str):
    from airflow.providers.amazon.aws.sensors.s3 import S3KeySensor

    return S3KeySensor(
        task_id="wait_for_files",
        bucket_key=f"{cfg.lake.root}/landing/{source}/{BATCH_DATE}/*",
        wildcard_match=True,
        aws_conn_id=cfg.lake.aws_conn_id,
        # reschedule, not deferrable: the worker slot is free between pokes, and no triggerer needs
        # aiobotocore (whose botocore pin the amazon provider's boto3 is past; a deferred S3 trigger failed
        # with "No module named 'aiobotocore'" for a folder not there yet)
        mode="reschedule",
        poke_interval=60,
        timeout=60 * (cfg.airflow.landing_sensor_timeout_minutes or 0),
    )


@dag(
    dag_id="landing_to_raw",
    schedule=cfg.airflow.landing_schedule,
    **dag_kwargs(cfg, "landing", "raw"),
    params={
        "batch_date": Param(
            None,
            type=["null", "string"],
            format="date",
            description="Landing folder date to load (default: the run's logical date)",
        ),
        "mode": mode_param("reloads every landing folder and rebuilds raw from scratch"),
    },
    doc_md=__doc__,
)
def landing_to_raw() -> None:
    sources = list(load_contracts())
    plans = []
    for name in sources:
        with TaskGroup(group_id=name):
            plan = validate_files(source=name, batch_date=BATCH_DATE, mode="{{ params.mode }}")
            if cfg.airflow.landing_sensor_timeout_minutes and cfg.lake.root.startswith("s3://"):
                wait_for_files(name) >> plan
            plans.append(plan)
    # {"<source>": "<plan uri>" | null, ...}: null where the source's validation was skipped
    pulls = ", ".join(f"'{name}': ti.xcom_pull(task_ids='{name}.validate_files')" for name in sources)
    ingest = spark_task(
        cfg,
        task_id="ingest",
        app="ingest_raw",
        args=["--mode", "{{ params.mode }}", "--plans", f"{{{{ {{{pulls}}} | tojson }}}}"],
        outlets=[table_asset("raw", name) for name in sources],
        trigger_rule="none_failed_min_one_success",
    )
    plans >> ingest


landing_to_raw()
