"""The Airflow side of landing: validate a batch's files and hand Spark a plan."""

from __future__ import annotations

import logging

from lakehouse.s3_store import store_for
from spark_apps.config import EnvConfig, load_contract_by_name, safe_run_id
from spark_apps.landing import landing_batch_dates, plan_batch

log = logging.getLogger(__name__)


class NoFilesLanded(Exception):
    """Raised (as a skip) when a batch has no files at all."""


def validate_batch(env: EnvConfig, source: str, batch_date: str, mode: str, run_id: str) -> str:
    """Validate and quarantine files, write the batch plan into the lake, return its URI."""
    contract = load_contract_by_name(source)
    store = store_for(env)
    dates = landing_batch_dates(store, env.lake.root, source) if mode == "full_refresh" else [batch_date]
    plan = plan_batch(store, env.lake.root, contract, dates, mode)
    for f in plan.rejected():
        log.warning("rejected %s: %s -> %s", f.uri, f.reason, f.quarantined_to)
    log.info(
        "%s %s: %d file(s) accepted, %d rejected",
        source,
        ",".join(dates) or "-",
        len(plan.accepted()),
        len(plan.rejected()),
    )
    if not plan.files:
        raise NoFilesLanded(f"no files for {source} under landing/{source}/{{{','.join(dates)}}}")
    uri = f"{env.lake.root.rstrip('/')}/ops/plans/{source}/{safe_run_id(run_id)}.json"
    store.write_text(uri, plan.to_json())
    return uri
