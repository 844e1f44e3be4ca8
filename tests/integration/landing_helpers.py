"""Land files, run validation + Spark ingestion as the DAG does, and read back every outcome."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from spark_apps.config import SourceContract, load_contracts
from spark_apps.landing import LocalStore, landing_batch_dates, plan_batch
from spark_apps.raw_batch import BatchResult, ingest_plan


def fresh_contract(base: str = "customers", **changes) -> SourceContract:
    """A shipped contract under a unique name, so each test owns its raw/quarantine tables. Its batches may
    quarantine any share of their rows (``max_quarantine_rate: 1``) unless a test says otherwise: these
    tests follow what each row becomes, and the batch threshold has tests of its own
    (test_quarantine_rate.py)."""
    contract = load_contracts()[base]
    update = {"name": f"t_{uuid.uuid4().hex[:10]}", "max_quarantine_rate": 1.0, **changes}
    return contract.model_copy(update=update)


@dataclass
class Outcome:
    result: BatchResult
    raw: list
    quarantine: list
    manifest: dict
    reasons_json: dict | None

    def quarantine_reasons(self) -> list[list[str]]:
        return [r["_reasons"] for r in sorted(self.quarantine, key=lambda r: (r["_source_file"], r["_line"]))]


def land(lake: Path, contract: SourceContract, date: str, files: dict[str, bytes]) -> None:
    folder = lake / "landing" / contract.name / date
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)


def run(
    spark,
    io,
    env,
    contract: SourceContract,
    dates: list[str] | None = None,
    mode: str = "incremental",
    run_id: str = "test-run",
) -> Outcome:
    """Validate (moving bad files), ingest, and assert conservation against the tables themselves."""
    store = LocalStore()
    if mode == "full_refresh":
        dates = landing_batch_dates(store, env.lake.root, contract.name)
    plan = plan_batch(store, env.lake.root, contract, dates or [], mode)
    result = ingest_plan(io, env, contract, plan, run_id)
    raw = spark.table(env.table("raw", contract.name)).collect()
    quarantine = spark.table(env.table("quarantine", contract.name)).collect()
    manifest = {
        Path(r["source_file"]).name: r.asDict()
        for r in spark.table(env.table("ops", "ingest_manifest")).where(f"source = '{contract.name}'").collect()
    }
    assert result.conserved
    assert result.rows_loaded == len([r for r in raw if r["_batch_id"] in _ids(contract, plan.batch_dates)])
    assert result.rows_quarantined == len([r for r in quarantine if r["_batch_id"] in _ids(contract, plan.batch_dates)])
    reasons = None
    for date in plan.batch_dates:
        path = Path(env.lake.root) / "quarantine" / "files" / contract.name / date / "reason.json"
        if path.is_file():
            reasons = json.loads(path.read_text())
    return Outcome(result, raw, quarantine, manifest, reasons)


def _ids(contract: SourceContract, dates: list[str]) -> set[str]:
    return {f"{contract.name}/{d}" for d in dates}
