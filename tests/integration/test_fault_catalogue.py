"""The fault campaign, one test per kind of bad input (tests/fault_catalogue.py): the catalogue's files
land as one batch, go through validation and the Spark ingest as `landing_to_raw` runs them, and each
file must have its own manifest row with the expected status, its records all loaded or quarantined."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spark_apps.landing import LocalStore, plan_batch
from spark_apps.raw_batch import ingest_plan
from tests.fault_catalogue import Fault, H, catalogue, row
from tests.integration.landing_helpers import fresh_contract

pytestmark = pytest.mark.spark

DATE = "2026-03-01"
FAULTS = [*catalogue(), Fault("symlink_to_outside", "link_to_outside.csv", b"", 0, "rejected")]


@pytest.fixture(scope="module")
def manifest(spark, table_io, test_env, tmp_path_factory) -> dict:
    # given every fault's file in one batch folder (the symlink points outside landing)
    contract = fresh_contract()
    folder = Path(test_env.lake.root) / "landing" / contract.name / DATE
    folder.mkdir(parents=True)
    for fault in FAULTS[:-1]:
        (folder / fault.file).write_bytes(fault.body)
    outside = tmp_path_factory.mktemp("outside") / "outside.csv"
    outside.write_text(H + row(99_999, first="Mallory"))
    os.symlink(outside, folder / "link_to_outside.csv")

    # when the batch is validated and ingested
    plan = plan_batch(LocalStore(), test_env.lake.root, contract, [DATE], "incremental")
    ingest_plan(table_io, test_env, contract, plan, "fault-run")

    rows = spark.table(test_env.table("ops", "ingest_manifest")).where(f"source = '{contract.name}'").collect()
    return {Path(r["source_file"]).name: r for r in rows}


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_each_fault_ends_in_its_status_with_every_record_accounted_for(fault, manifest):
    # then the file has its own manifest row with the expected status
    m = manifest[fault.file]
    assert m["status"] == fault.status, m["reason"]
    # and each of its records is loaded or quarantined, none lost and none counted twice
    read, loaded, quarantined = m["rows_read"] or 0, m["rows_loaded"], m["rows_quarantined"]
    assert (read, loaded + quarantined) == (fault.rows, fault.rows)
    if fault.status == "rejected":
        assert m["reason"]  # says why, e.g. "hidden file: …" or "not valid UTF-8: byte 0xe9 at offset 95"


def test_every_landed_file_is_in_the_manifest(manifest):
    assert sorted(manifest) == sorted(f.file for f in FAULTS)
