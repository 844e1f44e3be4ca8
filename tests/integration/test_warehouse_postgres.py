"""Loading exports into the real PostgreSQL server: COPY FROM STDIN into staging, MERGE, reconcile, atomicity."""

from __future__ import annotations

import psycopg
import pytest

from lakehouse import warehouse
from lakehouse.warehouse import ReconciliationError, WarehouseDriftError, load
from spark_apps.config import WarehouseConfig
from tests.warehouse_helpers import customer, export

pytestmark = pytest.mark.postgres


@pytest.fixture
def cfg(postgres_db, monkeypatch) -> WarehouseConfig:
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE_TEST", postgres_db)
    with psycopg.connect(postgres_db, autocommit=True) as con:
        con.execute("DROP SCHEMA IF EXISTS analytics CASCADE")
    return WarehouseConfig(target="postgres", schema="analytics", conn_id="warehouse_test")


def rows(postgres_db: str) -> dict[int, tuple]:
    with psycopg.connect(postgres_db) as con:
        return {r[0]: r[1:] for r in con.execute("select customer_key, email, signup_date from analytics.dim_customer")}


def test_loading_twice_gives_no_duplicates(cfg, postgres_db, tmp_path):
    path = export(tmp_path / "run1", [customer(1, "a@x"), customer(2, "b@x")])

    load(cfg, path)
    result = load(cfg, path)

    assert result.rows_in_target == 2
    assert rows(postgres_db) == {1: ("a@x", None), 2: ("b@x", None)}


def test_changed_rows_are_updated_and_new_rows_inserted(cfg, postgres_db, tmp_path):
    load(cfg, export(tmp_path / "run1", [customer(1, "a@x"), customer(2, "b@x")]))

    load(cfg, export(tmp_path / "run2", [customer(2, "b@new"), customer(3, "")]))

    # An empty string stays an empty string and a null stays null through the CSV stream.
    assert rows(postgres_db) == {1: ("a@x", None), 2: ("b@new", None), 3: ("", None)}


def test_a_row_failing_mid_copy_leaves_the_previous_state(cfg, postgres_db, tmp_path):
    # Given a loaded table, then an export whose last row breaks a column limit (country is VARCHAR(64))
    load(cfg, export(tmp_path / "run1", [customer(1, "a@x")]))
    bad = [customer(1, "changed@x"), customer(2, "b@x"), (3, 3, "F", "L", "c@x", "X" * 65, "NA", None, "h")]

    # When it is loaded, the COPY fails part-way through the stream
    with pytest.raises(psycopg.errors.StringDataRightTruncation):
        load(cfg, export(tmp_path / "run2", bad))

    # Then nothing of it is visible: not the staged rows, not the update of row 1
    assert rows(postgres_db) == {1: ("a@x", None)}


def test_failure_after_the_merge_rolls_back(cfg, postgres_db, tmp_path, monkeypatch):
    load(cfg, export(tmp_path / "run1", [customer(1, "a@x")]))

    def exploding_reconcile(*args, **kwargs):
        raise RuntimeError("connection lost after MERGE")

    monkeypatch.setattr(warehouse, "check_reconciliation", exploding_reconcile)
    with pytest.raises(RuntimeError, match="connection lost"):
        load(cfg, export(tmp_path / "run2", [customer(1, "changed@x"), customer(2, "b@x")]))

    assert rows(postgres_db) == {1: ("a@x", None)}


def test_reconciliation_mismatch_fails_with_the_numbers_and_rolls_back(cfg, postgres_db, tmp_path):
    load(cfg, export(tmp_path / "run1", [customer(1, "a@x")]))

    with pytest.raises(ReconciliationError, match="rows: exported 5, warehouse 2"):
        load(cfg, export(tmp_path / "run2", [customer(1, "changed@x"), customer(2, "b@x")], manifest_rows=5))

    assert rows(postgres_db) == {1: ("a@x", None)}


def test_a_row_added_in_the_warehouse_is_drift_the_changes_load_rolls_back(cfg, postgres_db, tmp_path):
    # Given a loaded table into which someone inserted a row the lake never had
    load(cfg, export(tmp_path / "run1", [customer(1, "a@x")], mode="full"))
    with psycopg.connect(postgres_db, autocommit=True) as con:
        con.execute("INSERT INTO analytics.dim_customer (customer_key, customer_id, email) VALUES (99, 99, 'x@x')")

    # When a changes export of one new row (the lake table now holds 2) is loaded
    with pytest.raises(WarehouseDriftError, match=r"rows: lake 2, warehouse 3"):
        load(cfg, export(tmp_path / "run2", [customer(2, "b@x")], table_rows=2))

    # Then nothing of the load is visible, and the next full export repairs the table
    assert sorted(rows(postgres_db)) == [1, 99]
    load(cfg, export(tmp_path / "run3", [customer(1, "a@x"), customer(2, "b@x")], mode="full"))
    assert sorted(rows(postgres_db)) == [1, 2]


def test_a_full_export_replaces_the_table_in_one_transaction(cfg, postgres_db, tmp_path):
    # Given 1 and 2 loaded
    load(cfg, export(tmp_path / "run1", [customer(1, "a@x"), customer(2, "b@x")], mode="full"))

    # When a full export without 1 fails its reconciliation, nothing changes
    with pytest.raises(ReconciliationError):
        load(cfg, export(tmp_path / "run2", [customer(2, "b@new")], manifest_rows=9, mode="full"))
    assert rows(postgres_db) == {1: ("a@x", None), 2: ("b@x", None)}

    # Then the same export, correct, deletes 1 and updates 2
    result = load(cfg, export(tmp_path / "run3", [customer(2, "b@new")], mode="full"))
    assert rows(postgres_db) == {2: ("b@new", None)}
    assert result.rows_deleted == 1


def test_a_load_runs_under_its_statement_timeout_and_keepalives(cfg, postgres_db, tmp_path, monkeypatch):
    # given a load whose statements see the session's settings
    seen = {}
    real = warehouse._load

    def spy(con, cur, *args):
        for name in ("statement_timeout", "tcp_keepalives_idle", "tcp_keepalives_count"):
            cur.execute(f"SHOW {name}")
            seen[name] = cur.fetchone()[0]
        return real(con, cur, *args)

    monkeypatch.setattr(warehouse, "_load", spy)

    # when it loads
    load(
        cfg.model_copy(update={"statement_timeout_s": 90, "keepalive_idle_s": 30}),
        export(tmp_path / "r", [customer(1, "a@x")]),
    )

    # then the timeout and keepalives were in force (the test server is reached over TCP, where they apply)
    assert seen == {"statement_timeout": "90s", "tcp_keepalives_idle": "30", "tcp_keepalives_count": "6"}


def test_a_statement_over_the_timeout_fails_the_load_and_leaves_the_previous_state(
    cfg, postgres_db, tmp_path, monkeypatch
):
    load(cfg, export(tmp_path / "r1", [customer(1, "a@x")]))
    slow = warehouse.merge_sql

    def sleepy_merge(*args):
        return "SELECT pg_sleep(3);\n" + slow(*args)

    monkeypatch.setattr(warehouse, "merge_sql", sleepy_merge)

    with pytest.raises(psycopg.errors.QueryCanceled):
        load(cfg.model_copy(update={"statement_timeout_s": 1}), export(tmp_path / "r2", [customer(1, "b@x")]))
    assert rows(postgres_db) == {1: ("a@x", None)}
