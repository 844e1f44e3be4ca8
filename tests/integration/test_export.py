"""Exports of gold tables from real Iceberg tables: full, changes since the version the target last
loaded, nested columns as JSON text, and tables not built yet."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from spark_apps.config import WarehouseTable
from spark_apps.export import export_table

pytestmark = pytest.mark.spark


def exported(path: str) -> list[dict]:
    return sorted(pq.read_table(path).to_pylist(), key=lambda r: r["id"])


def mark_loaded(env, name: str, version: int) -> None:
    """What the loader writes after committing (``lakehouse.warehouse.record_load``)."""
    path = Path(env.loaded_mark_path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": version}))


@pytest.fixture
def items(spark, table_io, test_env, request):
    name = f"items_{request.node.name[5:30]}"
    table = test_env.table("exporttest", name)
    spark.sql(f"DROP TABLE IF EXISTS {table}")
    df = spark.createDataFrame(
        [(1, Decimal("1.00"), ["a"]), (2, Decimal("2.00"), ["b", None]), (3, Decimal("3.00"), [])],
        "id long, amount decimal(12,2), tags array<string>",
    )
    table_io.ensure_table(table, df.schema)
    table_io.append(df, table)
    spec = WarehouseTable(source=f"exporttest.{name}", keys=["id"], measures=["amount"], export="changes")
    return name, table, spec


def test_first_changes_export_is_full_then_only_changed_rows_since_the_loaded_version(spark, table_io, test_env, items):
    name, table, spec = items

    # Given a first export (no load mark yet: everything) that the warehouse loaded
    first = export_table(table_io, test_env, name, spec, "run1")
    assert (first.export, first.rows, first.measures, first.base_version) == ("full", 3, {"amount": "6.00"}, None)
    mark_loaded(test_env, name, first.version)

    # When row 2 changes and row 4 arrives
    changes = spark.createDataFrame(
        [(2, Decimal("20.00"), ["b"]), (4, Decimal("4.00"), None)], spark.table(table).schema
    )
    table_io.sync(changes, table, ["id"])
    second = export_table(table_io, test_env, name, spec, "run2")

    # Then only those two rows are exported, against the loaded version, arrays as JSON text
    assert (second.export, second.rows, second.base_version) == ("changes", 2, first.version)
    assert second.measures == {"amount": "24.00"}
    assert second.version != first.version
    # and the manifest carries the whole table's totals at that version, for the whole-table reconciliation
    assert (first.table_rows, first.table_measures) == (3, {"amount": "6.00"})
    assert (second.table_rows, second.table_measures) == (4, {"amount": "28.00"})
    assert exported(second.path) == [
        {"id": 2, "amount": Decimal("20.00"), "tags": '["b"]'},
        {"id": 4, "amount": Decimal("4.00"), "tags": None},
    ]


def test_nothing_changed_exports_no_rows(table_io, test_env, items):
    name, _, spec = items
    mark_loaded(test_env, name, export_table(table_io, test_env, name, spec, "run1").version)

    again = export_table(table_io, test_env, name, spec, "run2")

    assert (again.export, again.rows, again.measures) == ("changes", 0, {"amount": ""})


def test_a_load_mark_of_an_expired_version_falls_back_to_a_full_export(table_io, test_env, items):
    name, _, spec = items
    mark_loaded(test_env, name, 123456789)  # no such snapshot

    manifest = export_table(table_io, test_env, name, spec, "run1")

    assert (manifest.export, manifest.rows) == ("full", 3)


def test_a_full_export_writes_every_row_with_nested_columns_as_json(table_io, test_env, items):
    name, _, spec = items

    manifest = export_table(table_io, test_env, name, spec.model_copy(update={"export": "full"}), "run1")

    assert manifest.export == "full"
    assert [r["tags"] for r in exported(manifest.path)] == ['["a"]', '["b",null]', "[]"]


def test_the_copy_manifest_lists_exactly_the_part_files_with_their_sizes(table_io, test_env, items):
    name, _, spec = items

    manifest = export_table(table_io, test_env, name, spec, "run1")

    folder = Path(manifest.path.removeprefix("file:"))
    parts = sorted(folder.glob("part-*.parquet"))
    entries = json.loads(Path(manifest.copy_manifest.removeprefix("file:")).read_text())["entries"]
    assert parts and [(Path(e["url"].removeprefix("file:")).name, e["meta"]["content_length"]) for e in entries] == [
        (p.name, p.stat().st_size) for p in parts
    ]
    assert all(e["mandatory"] for e in entries)
    assert {p.name for p in folder.iterdir()} - {p.name for p in parts} >= {"_manifest.json", "_SUCCESS"}


def test_a_table_not_built_yet_is_skipped_with_a_manifest_saying_so(table_io, test_env):
    spec = WarehouseTable(source="exporttest.never_built", keys=["id"])

    manifest = export_table(table_io, test_env, "never_built", spec, "run1")

    written = json.loads((Path(manifest.path) / "_manifest.json").read_text())
    assert written["skipped"] == "lake.exporttest.never_built does not exist yet"
    assert written["rows"] == 0


def test_pii_columns_are_exported_masked_and_still_join(spark, table_io, test_env):
    # given a customer table carrying PII columns (flagged in config/domains/retail/sources/customers.yaml) and a
    # second table sharing the email column
    customers = test_env.table("exporttest", "pii_customers")
    emails = test_env.table("exporttest", "pii_emails")
    for t in (customers, emails):
        spark.sql(f"DROP TABLE IF EXISTS {t}")
    spark.createDataFrame(
        [(1, "Ada", "ada@example.com", "US", "h1"), (2, None, "bob@example.com", "DE", "h2")],
        "id long, first_name string, email string, country string, attr_hash string",
    ).writeTo(customers).create()
    spark.createDataFrame([(10, "ada@example.com")], "id long, email string").writeTo(emails).create()
    assert test_env.pii.mask_exports and test_env.pii.method == "hash"

    # when both are exported in the test environment (non-prod: masking on)
    specs = {
        name: WarehouseTable(source=f"exporttest.{name}", keys=["id"], measures=[], export="full")
        for name in ("pii_customers", "pii_emails")
    }
    out = {name: exported(export_table(table_io, test_env, name, spec, "run1").path) for name, spec in specs.items()}

    # then names and emails are salted SHA-256 hex, nulls stay null, other columns are untouched
    ada, bob = out["pii_customers"]
    expected = hashlib.sha256(f"{test_env.pii.salt}ada@example.com".encode()).hexdigest()
    assert (
        ada["email"] == expected and ada["first_name"] == hashlib.sha256(f"{test_env.pii.salt}Ada".encode()).hexdigest()
    )
    assert bob["first_name"] is None and len(bob["email"]) == 64 and bob["email"] != expected
    assert (ada["country"], bob["country"]) == ("US", "DE")
    # attr_hash, declared derived from PII (pii_derived), is masked too: an unsalted hash of a name is reversible
    assert ada["attr_hash"] == hashlib.sha256(f"{test_env.pii.salt}h1".encode()).hexdigest()
    assert "ada@example.com" not in json.dumps(out)
    # and the mask is deterministic, so the two exports still join on email
    assert out["pii_emails"][0]["email"] == ada["email"]
