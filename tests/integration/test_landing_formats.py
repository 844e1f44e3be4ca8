"""JSON-lines and Parquet sources through the same contracts, reasons and conservation as CSV."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.integration.landing_helpers import fresh_contract, land, run

pytestmark = pytest.mark.spark
D = "2026-10-01"


@pytest.fixture
def lake(test_env) -> Path:
    return Path(test_env.lake.root)


@pytest.fixture
def ingest(spark, table_io, test_env):
    return lambda contract: run(spark, table_io, test_env, contract, dates=[D])


def parquet_bytes(table: pa.Table, tmp_path: Path) -> bytes:
    path = tmp_path / "x.parquet"
    pq.write_table(table, path)
    return path.read_bytes()


def test_json_lines_load_by_key_with_aliases_case_and_extras(lake, ingest):
    c = fresh_contract("customers", format="json", glob="*.jsonl")
    land(
        lake,
        c,
        D,
        {
            "a.jsonl": b'{"Cust_ID": 1, "email": "a@x", "signup_date": "2026-01-02", "tier": "gold"}\n'
            b'{"customer_id": "2", "first_name": "Bo"}\n'
        },
    )

    out = ingest(c)

    rows = {r["customer_id"]: r for r in out.raw}
    assert (rows[1]["email"], rows[1]["signup_date"], rows[1]["_extra"]) == (
        "a@x",
        dt.date(2026, 1, 2),
        {"tier": "gold"},
    )
    assert (rows[2]["first_name"], rows[2]["_extra"]) == ("Bo", None)
    assert sorted(r["_line"] for r in out.raw) == [1, 2]


def test_json_bad_lines_are_quarantined_with_reasons(lake, ingest):
    c = fresh_contract("customers", format="json", glob="*.jsonl")
    land(lake, c, D, {"a.jsonl": b'{"customer_id": 1}\n{not json\n{"first_name": "x"}\n{"customer_id": "abc"}\n'})

    out = ingest(c)

    assert out.result.rows_loaded == 1
    assert out.quarantine_reasons() == [
        ["malformed: not a JSON object"],
        ["customer_id: required value is missing"],
        ["customer_id: cannot parse 'abc' as long"],
    ]
    assert [r["_line"] for r in sorted(out.quarantine, key=lambda r: r["_line"])] == [2, 3, 4]


def test_json_decimal_strings_keep_every_digit(lake, ingest):
    c = fresh_contract("transactions", format="json", glob="*.jsonl")
    land(
        lake,
        c,
        D,
        {
            "t.jsonl": b'{"transaction_id": "T1", "customer_id": 1, "product_id": "P", "quantity": 1,'
            b' "amount": "9999999999.99", "transaction_date": "2026-01-01"}\n'
        },
    )

    out = ingest(c)

    assert out.raw[0]["amount"] == Decimal("9999999999.99")


def test_parquet_loads_typed_columns_by_name(lake, ingest, tmp_path):
    c = fresh_contract("transactions", format="parquet", glob="*.parquet")
    table = pa.table(
        {
            "TXN_ID": ["T1", "T2"],
            "customer_id": [1, 2],
            "product_id": ["P1", "P2"],
            "qty": [1, 3],
            "amount": pa.array([Decimal("10.50"), Decimal("-3.25")], pa.decimal128(12, 2)),
            "transaction_date": [dt.date(2026, 1, 1), dt.date(2026, 1, 2)],
            "channel": ["web", "store"],
        }
    )
    land(lake, c, D, {"a.parquet": parquet_bytes(table, tmp_path)})

    out = ingest(c)

    rows = {r["transaction_id"]: r for r in out.raw}
    assert (rows["T2"]["quantity"], rows["T2"]["amount"], rows["T2"]["transaction_date"]) == (
        3,
        Decimal("-3.25"),
        dt.date(2026, 1, 2),
    )
    assert rows["T1"]["_extra"] == {"channel": "web"}
    assert sorted(r["_line"] for r in out.raw) == [1, 2]


def test_parquet_rows_failing_the_contract_are_quarantined_with_row_position(lake, ingest, tmp_path):
    c = fresh_contract("customers", format="parquet", glob="*.parquet")
    table = pa.table({"customer_id": ["1", "x2", None], "first_name": ["A", "B", "C"]})
    land(lake, c, D, {"a.parquet": parquet_bytes(table, tmp_path)})

    out = ingest(c)

    assert [(r["_line"], r["_reasons"]) for r in sorted(out.quarantine, key=lambda r: r["_line"])] == [
        (2, ["customer_id: cannot parse 'x2' as long"]),
        (3, ["customer_id: required value is missing"]),
    ]
    assert out.quarantine[0]["_raw"].startswith("{")


def test_a_file_that_is_not_parquet_is_rejected(lake, ingest):
    c = fresh_contract("customers", format="parquet", glob="*.parquet")
    land(lake, c, D, {"fake.parquet": b"customer_id\n1\n"})

    out = ingest(c)

    assert out.manifest["fake.parquet"]["status"] == "rejected"
    assert out.reasons_json["files"][0]["reason"] == "not a Parquet file (missing PAR1 magic bytes)"


def test_a_parquet_column_name_with_a_backtick_loads_into_extra(lake, ingest, tmp_path):
    c = fresh_contract("customers", format="parquet", glob="*.parquet")
    table = pa.table({"customer_id": ["1", "2"], "first_name": ["A", "B"], "odd`name": ["x", "y"]})
    land(lake, c, D, {"a.parquet": parquet_bytes(table, tmp_path)})

    out = ingest(c)

    assert sorted((r["customer_id"], r["_extra"]["odd`name"]) for r in out.raw) == [(1, "x"), (2, "y")]
    assert out.manifest["a.parquet"]["status"] == "loaded"
