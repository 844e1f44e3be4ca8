"""Exports as the Spark job writes them (Parquet + manifest), for the warehouse loader tests."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

COLUMNS = [
    "customer_key",
    "customer_id",
    "first_name",
    "last_name",
    "email",
    "country",
    "territory",
    "signup_date",
    "attr_hash",
]


def export(
    folder: Path,
    rows: list[tuple],
    manifest_rows: int | None = None,
    mode: str = "changes",
    table_rows: int | None = None,
) -> str:
    """Write an export the way the Spark job does: Parquet files (none for no rows) plus a manifest.
    ``table_rows``: the whole lake table's count (a full export's own by default; a changes export's
    is checked only when given)."""
    folder.mkdir(parents=True)
    if rows:
        table = pa.table({c: [r[i] for r in rows] for i, c in enumerate(COLUMNS)})
        pq.write_table(table, folder / "part-0.parquet")
    manifest = {
        "table": "dim_customer",
        "run_id": folder.name,
        "path": str(folder),
        "keys": ["customer_key"],
        "rows": len(rows) if manifest_rows is None else manifest_rows,
        "measures": {},
        "columns": COLUMNS,
        "export": mode,
        "version": 1,
        "table_rows": len(rows) if table_rows is None and mode == "full" else table_rows,
        "table_measures": {},
    }
    (folder / "_manifest.json").write_text(json.dumps(manifest))
    return str(folder)


def customer(key: int, email: str) -> tuple:
    return (key, key, "F", "L", email, "US", "NA", None, f"h-{email}")
