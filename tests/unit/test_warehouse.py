"""Warehouse loading into a real DuckDB file: MERGE from staging, reconciliation, atomicity."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from lakehouse import warehouse
from lakehouse.warehouse import (
    ReconciliationError,
    WarehouseDriftError,
    check_reconciliation,
    check_table_totals,
    load_duckdb,
    merge_sql,
)
from spark_apps.config import WarehouseConfig, load_warehouse_tables
from tests.warehouse_helpers import customer, export


@pytest.fixture
def cfg(tmp_path) -> WarehouseConfig:
    return WarehouseConfig(target="duckdb", schema="analytics", duckdb_path=str(tmp_path / "wh.duckdb"))


def emails(cfg: WarehouseConfig) -> dict[int, str]:
    with duckdb.connect(cfg.duckdb_path, read_only=True) as con:
        return dict(con.execute("select customer_key, email from analytics.dim_customer").fetchall())


def squash(sql: str) -> str:
    """The statement without its comment lines, on one line."""
    return " ".join(" ".join(line for line in sql.splitlines() if not line.startswith("--")).split())


def test_merge_sql_template_renders_keys_updates_and_inserts_without_a_target_alias():
    sql = merge_sql("analytics.f", "stg_f", ["id"], ["id", "a", "b"])

    assert squash(sql) == (
        "MERGE INTO analytics.f USING stg_f AS s ON analytics.f.id = s.id "
        "WHEN MATCHED THEN UPDATE SET a = s.a, b = s.b "
        "WHEN NOT MATCHED THEN INSERT (id, a, b) VALUES (s.id, s.a, s.b);"
    )


def test_a_table_of_key_columns_only_still_gets_both_when_clauses():
    sql = merge_sql("analytics.k", "stg_k", ["a", "b"], ["a", "b"])

    assert squash(sql) == (
        "MERGE INTO analytics.k USING stg_k AS s ON analytics.k.a = s.a AND analytics.k.b = s.b "
        "WHEN MATCHED THEN UPDATE SET a = s.a, b = s.b "
        "WHEN NOT MATCHED THEN INSERT (a, b) VALUES (s.a, s.b);"
    )


def test_the_key_only_merge_runs_on_duckdb_and_inserts_only_new_keys():
    # given a table of keys only and a staging table with one known and one new key
    con = duckdb.connect()
    con.execute("CREATE SCHEMA analytics")
    con.execute("CREATE TABLE analytics.k (a INTEGER, b INTEGER, PRIMARY KEY (a, b))")
    con.execute("INSERT INTO analytics.k VALUES (1, 1)")
    con.execute("CREATE TABLE stg_k AS SELECT * FROM (VALUES (1, 1), (2, 1)) v(a, b)")

    # when the shared MERGE runs twice
    for _ in range(2):
        con.execute(merge_sql("analytics.k", "stg_k", ["a", "b"], ["a", "b"]))

    # then each key is there once
    assert con.execute("SELECT a, b FROM analytics.k ORDER BY a").fetchall() == [(1, 1), (2, 1)]


def test_loading_twice_gives_no_duplicates(cfg, tmp_path):
    path = export(tmp_path / "run1", [customer(1, "a@x"), customer(2, "b@x")])

    load_duckdb(cfg, path)
    result = load_duckdb(cfg, path)

    assert result.rows_in_target == 2
    assert emails(cfg) == {1: "a@x", 2: "b@x"}


def test_changed_rows_are_updated_and_new_rows_inserted(cfg, tmp_path):
    load_duckdb(cfg, export(tmp_path / "run1", [customer(1, "a@x"), customer(2, "b@x")]))

    load_duckdb(cfg, export(tmp_path / "run2", [customer(2, "b@new"), customer(3, "c@x")]))

    assert emails(cfg) == {1: "a@x", 2: "b@new", 3: "c@x"}


def test_reconciliation_mismatch_rolls_back_and_keeps_old_state(cfg, tmp_path):
    load_duckdb(cfg, export(tmp_path / "run1", [customer(1, "a@x")]))

    bad = export(tmp_path / "run2", [customer(1, "changed@x"), customer(2, "b@x")], manifest_rows=3)
    with pytest.raises(ReconciliationError, match="rows: exported 3, warehouse 2"):
        load_duckdb(cfg, bad)

    assert emails(cfg) == {1: "a@x"}


def test_failure_mid_load_leaves_previous_state(cfg, tmp_path, monkeypatch):
    load_duckdb(cfg, export(tmp_path / "run1", [customer(1, "a@x")]))

    def exploding_reconcile(*args, **kwargs):
        raise RuntimeError("connection lost after MERGE")

    monkeypatch.setattr(warehouse, "check_reconciliation", exploding_reconcile)
    with pytest.raises(RuntimeError, match="connection lost"):
        load_duckdb(cfg, export(tmp_path / "run2", [customer(1, "changed@x"), customer(2, "b@x")]))

    assert emails(cfg) == {1: "a@x"}


def test_a_row_lost_in_the_warehouse_fails_the_next_changes_load_which_rolls_back(cfg, tmp_path):
    # Given a loaded table from which someone deleted a row in the warehouse
    load_duckdb(cfg, export(tmp_path / "run1", [customer(1, "a@x"), customer(2, "b@x")], mode="full"))
    with duckdb.connect(cfg.duckdb_path) as con:
        con.execute("DELETE FROM analytics.dim_customer WHERE customer_key = 2")

    # When a changes export of one new row (the lake table now holds 3) is loaded
    changes = export(tmp_path / "run2", [customer(3, "c@x")], table_rows=3)
    with pytest.raises(WarehouseDriftError, match=r"dim_customer: .* drifted .*\(rows: lake 3, warehouse 2\)"):
        load_duckdb(cfg, changes)

    # Then the load rolled back, and the next (full) export repairs the table and reconciles
    assert emails(cfg) == {1: "a@x"}
    full = export(tmp_path / "run3", [customer(1, "a@x"), customer(2, "b@x"), customer(3, "c@x")], mode="full")
    assert load_duckdb(cfg, full).rows_in_target == 3
    assert emails(cfg) == {1: "a@x", 2: "b@x", 3: "c@x"}


def test_a_value_changed_in_the_warehouse_is_named_with_both_sums():
    manifest = {
        "table": "fact",
        "measures": {"amount": "10.50"},
        "table_rows": 2,
        "table_measures": {"amount": "10.50"},
    }

    with pytest.raises(WarehouseDriftError, match=r"sum\(amount\): lake 10.50, warehouse 10.49"):
        check_table_totals(manifest, (2, Decimal("10.49")))
    check_table_totals(manifest, (2, Decimal("10.50")))  # equal: no error


def test_drift_makes_the_next_export_full(cfg, test_env, tmp_path, monkeypatch):
    # Given a table with a load mark, whose next load finds drift
    mark = Path(test_env.loaded_mark_path("dim_customer"))
    mark.parent.mkdir(parents=True, exist_ok=True)
    mark.write_text(json.dumps({"version": 7, "rows": 2}))

    def drifted(*args, **kwargs):
        raise WarehouseDriftError("dim_customer: the warehouse table drifted from the lake table (rows: lake 3, …)")

    monkeypatch.setattr(warehouse, "load", drifted)

    # When the DAG's load of that table runs
    with pytest.raises(WarehouseDriftError):
        warehouse.load_table(test_env, "dim_customer", "run-9")

    # Then the mark holds no version (the export reads that as "export everything") and says why
    assert json.loads(mark.read_text()) == {
        "version": None,
        "drift": "dim_customer: the warehouse table drifted from the lake table (rows: lake 3, …)",
    }


def test_check_reconciliation_compares_exact_decimal_sums():
    manifest = {"table": "f", "rows": 2, "measures": {"amount": "10.10", "fee": ""}}

    ok = check_reconciliation(manifest, (2, Decimal("10.10"), None))
    assert ok.sums == {"amount": "10.10", "fee": "0"}

    with pytest.raises(ReconciliationError, match=r"sum\(amount\): exported 10.10, warehouse 10.11"):
        check_reconciliation(manifest, (2, Decimal("10.11"), None))


def test_missing_manifest_is_a_clear_error(cfg, tmp_path):
    with pytest.raises(FileNotFoundError, match="export manifest missing"):
        load_duckdb(cfg, str(tmp_path / "nothing"))


def test_a_full_export_deletes_the_rows_it_no_longer_has(cfg, tmp_path):
    # Given customers 1 and 2 loaded
    load_duckdb(cfg, export(tmp_path / "run1", [customer(1, "a@x"), customer(2, "b@x")], mode="full"))

    # When a full export holds only 2 (changed) and 3
    result = load_duckdb(cfg, export(tmp_path / "run2", [customer(2, "b@new"), customer(3, "c@x")], mode="full"))

    # Then the table equals the export, and the load says what it deleted
    assert emails(cfg) == {2: "b@new", 3: "c@x"}
    assert (result.rows_exported, result.rows_in_target, result.rows_deleted) == (2, 2, 1)


def test_an_empty_full_export_empties_the_table_and_an_empty_changes_export_changes_nothing(cfg, tmp_path):
    load_duckdb(cfg, export(tmp_path / "run1", [customer(1, "a@x")], mode="full"))

    load_duckdb(cfg, export(tmp_path / "run2", [], mode="changes"))
    assert emails(cfg) == {1: "a@x"}

    load_duckdb(cfg, export(tmp_path / "run3", [], mode="full"))
    assert emails(cfg) == {}


def test_a_failed_full_load_keeps_the_rows_it_would_have_deleted(cfg, tmp_path):
    load_duckdb(cfg, export(tmp_path / "run1", [customer(1, "a@x"), customer(2, "b@x")], mode="full"))

    bad = export(tmp_path / "run2", [customer(2, "b@x")], manifest_rows=5, mode="full")
    with pytest.raises(ReconciliationError, match="rows: exported 5, warehouse 1"):
        load_duckdb(cfg, bad)

    assert emails(cfg) == {1: "a@x", 2: "b@x"}


def test_a_skipped_export_loads_nothing_and_says_why(cfg, tmp_path):
    folder = tmp_path / "run1"
    folder.mkdir()
    manifest = {"table": "latest_summary", "rows": 0, "skipped": "lake.curated.latest_summary does not exist yet"}
    (folder / "_manifest.json").write_text(json.dumps(manifest))

    result = load_duckdb(cfg, str(folder))

    assert result.summary() == "table=latest_summary skipped='lake.curated.latest_summary does not exist yet'"


def test_delete_missing_sql_is_one_anti_join_delete():
    sql = warehouse.delete_missing_sql("analytics.f", "stg_f", ["a", "b"])

    assert sql.splitlines()[2:] == [
        "DELETE FROM analytics.f",
        "WHERE NOT EXISTS (",
        "    SELECT 1 FROM stg_f AS s",
        "    WHERE s.a = analytics.f.a AND s.b = analytics.f.b",
        ");",
    ]


def test_record_load_marks_the_version_the_target_holds(cfg, test_env, tmp_path):
    result = load_duckdb(cfg, export(tmp_path / "run1", [customer(1, "a@x")], mode="full"))

    warehouse.record_load(test_env, result)

    mark = json.loads(Path(test_env.loaded_mark_path("dim_customer")).read_text())
    assert mark == {"version": 1, "rows": 1}
    assert test_env.loaded_mark_path("dim_customer").endswith("/exports/dim_customer/_loaded_duckdb.json")


def ddl_columns(sql: str) -> list[str]:
    """Column names of a CREATE TABLE, in order (constraints and comments left out)."""
    lines = sql[sql.index("(", sql.index("CREATE TABLE")) + 1 :].splitlines()
    body = lines[: next(i for i, line in enumerate(lines) if line.startswith(")"))]
    names = [line.split()[0] for line in body if line.strip() and not line.strip().startswith("--")]
    return [n for n in names if n.upper() != "PRIMARY"]


@pytest.mark.parametrize("table", list(load_warehouse_tables().tables))
def test_every_warehouse_table_has_ddl_and_a_redshift_overlay_with_the_same_columns(table, cfg):
    portable = warehouse.ddl(table, "analytics")
    redshift = warehouse.ddl(table, "analytics", dialect="redshift")

    assert ddl_columns(portable) == ddl_columns(redshift)
    assert "ENCODE" in redshift and ("DISTKEY" in redshift or "DISTSTYLE ALL" in redshift)
    with duckdb.connect(cfg.duckdb_path) as con:  # the portable DDL runs, twice (idempotent)
        con.execute("CREATE SCHEMA IF NOT EXISTS analytics")
        con.execute(portable)
        con.execute(portable)
        columns = [
            r[0]
            for r in con.execute(
                f"select column_name from information_schema.columns "
                f"where table_name = '{table}' order by ordinal_position"
            ).fetchall()
        ]
    assert columns == ddl_columns(portable)


def test_a_copy_manifest_names_s3a_part_files_by_their_s3_urls_with_their_sizes():
    from spark_apps.export import copy_manifest

    manifest = json.loads(copy_manifest([("s3a://b/exports/t/r1/part-00000-a.snappy.parquet", 1234)]))

    assert manifest == {
        "entries": [
            {
                "url": "s3://b/exports/t/r1/part-00000-a.snappy.parquet",
                "mandatory": True,
                "meta": {"content_length": 1234},
            }
        ]
    }
