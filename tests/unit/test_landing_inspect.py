"""File-level checks made before Spark starts: one streaming pass per file."""

from __future__ import annotations

import hashlib

from spark_apps.config import load_contracts
from spark_apps.landing import BatchPlan, PlannedFile, inspect_file

CUSTOMERS = load_contracts()["customers"]


def chunked(data: bytes, size: int = 7):
    return iter([data[i : i + size] for i in range(0, len(data), size)] or [b""])


def test_checksum_and_size_cover_every_byte():
    data = b"customer_id,first_name\n1,Ann\n" * 100

    sha, size, reason = inspect_file(chunked(data), CUSTOMERS)

    assert (sha, size, reason) == (hashlib.sha256(data).hexdigest(), len(data), None)


def test_utf8_split_across_chunks_is_valid():
    data = "customer_id,first_name\n1,Zoë\n".encode()

    assert inspect_file(chunked(data, 26), CUSTOMERS)[2] is None  # ë's two bytes straddle a chunk edge


def test_truncated_utf8_at_end_of_file_is_named():
    data = b"customer_id,first_name\n1,Zo\xc3"

    assert (
        inspect_file(chunked(data), CUSTOMERS)[2]
        == f"not valid UTF-8: truncated character at end of file (offset {len(data)})"
    )


def test_header_with_bom_and_cr_only_endings_is_read():
    data = "\ufeffCUSTOMER_ID,first_name\r1,Ann\r".encode()

    assert inspect_file(chunked(data), CUSTOMERS)[2] is None


def test_blank_first_line_means_no_header():
    assert inspect_file(chunked(b"\n1,Ann\n"), CUSTOMERS)[2] == "no header line"


def test_missing_required_and_duplicated_columns_are_both_reported():
    reason = inspect_file(chunked(b"first_name,FIRST_NAME\nA,B\n"), CUSTOMERS)[2]

    assert reason == (
        "column 'first_name' appears twice in the header; required column 'customer_id' is missing from the header"
    )


def test_parquet_needs_magic_bytes_at_both_ends():
    parquet = CUSTOMERS.model_copy(update={"format": "parquet"})

    assert inspect_file(chunked(b"PAR1....PAR1"), parquet)[2] is None
    assert inspect_file(chunked(b"PAR1....trunc"), parquet)[2] == "not a Parquet file (truncated: no PAR1 footer)"


def test_json_lines_must_start_with_an_object():
    json_contract = CUSTOMERS.model_copy(update={"format": "json"})

    assert inspect_file(chunked(b'\n{"customer_id": 1}\n'), json_contract)[2] is None
    assert inspect_file(chunked(b"[1, 2]\n"), json_contract)[2] == "not JSON lines: the first line is not a JSON object"


def test_batch_plan_round_trips_through_json():
    plan = BatchPlan(
        "s", "incremental", ["2026-01-01"], [PlannedFile("/x.csv", 3, "ab", "2026-01-01", "empty file", "/q")]
    )

    again = BatchPlan.from_json(plan.to_json())

    assert again == plan
    assert again.rejected() == plan.files and again.accepted() == []
