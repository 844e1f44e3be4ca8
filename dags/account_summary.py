"""Rolling account summary: 36-month history arrays per account and month, from the source table its
config declares (`account_summary.json` in its domain's config folder).

Runs `forward` monthly (cron from the environment config) and whenever the source table is updated:
it appends every month newer than each account's newest summary month. Late or corrected snapshots for
past months are left alone by forward (the task log counts them as `skipped`); trigger with
mode=backfill (optionally a start_month / end_month range) to rewrite only the affected accounts from
that month on. mode=initial rebuilds both tables from the whole source in one pass.
"""

from __future__ import annotations

from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, Param, dag

from lakehouse.assets import table_asset_named
from lakehouse.dag_settings import dag_kwargs, env
from lakehouse.spark_tasks import spark_task
from spark_apps.config.summary import load_summary_config
from spark_apps.months import MONTH_PATTERN as MONTH

cfg = env()
summary = load_summary_config()
source = table_asset_named(summary.source_table)


@dag(
    dag_id="account_summary",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(cfg.airflow.summary_schedule, timezone="UTC"),
        assets=[source],
    ),
    **dag_kwargs(cfg, "processing", "summary"),
    params={
        "mode": Param(
            "forward",
            enum=["forward", "backfill", "initial"],
            description="forward: append new months; backfill: apply late/corrected months; initial: rebuild",
        ),
        "start_month": Param(None, type=["null", "string"], pattern=MONTH, description="first month read (YYYY-MM)"),
        "end_month": Param(None, type=["null", "string"], pattern=MONTH, description="last month read (YYYY-MM)"),
    },
    doc_md=__doc__,
)
def account_summary() -> None:
    spark_task(
        cfg,
        task_id="summarize",
        app="account_summary",
        args=[
            "--mode",
            "{{ params.mode }}",
            "--start-month",
            "{{ params.start_month or '' }}",
            "--end-month",
            "{{ params.end_month or '' }}",
        ],
        inlets=[source],
        outlets=[table_asset_named(summary.summary_table), table_asset_named(summary.latest_table)],
    )


account_summary()
