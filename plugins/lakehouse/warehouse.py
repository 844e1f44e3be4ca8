"""Load exported gold tables into the warehouse: staging + MERGE in one transaction, then reconcile.

SQL lives in ``include/sql/warehouse``; this module renders it and runs it. The embedded target is a
DuckDB file, which reads the export's Parquet directly. A load either commits completely and
reconciles, or rolls back and leaves the previous state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

from spark_apps.config import PROJECT_ROOT, EnvConfig, WarehouseConfig

SQL_DIR = PROJECT_ROOT / "include" / "sql" / "warehouse"
_jinja = jinja2.Environment(loader=jinja2.FileSystemLoader(str(SQL_DIR)), undefined=jinja2.StrictUndefined)


class ReconciliationError(RuntimeError):
    """The warehouse does not hold exactly what was exported."""


@dataclass(frozen=True)
class LoadResult:
    table: str
    rows_exported: int
    rows_in_target: int
    sums: dict[str, str]

    def summary(self) -> str:
        sums = " ".join(f"sum_{k}={v}" for k, v in self.sums.items())
        return f"table={self.table} exported={self.rows_exported} matched_in_warehouse={self.rows_in_target} {sums}"


def render(template: str, **context: Any) -> str:
    return _jinja.get_template(template).render(**context)


def ddl(table: str, schema: str) -> str:
    return render(f"ddl/{table}.sql", schema=schema)


def merge_sql(target: str, staging: str, keys: list[str], columns: list[str]) -> str:
    return render(
        "merge.sql",
        target=target,
        staging=staging,
        keys=keys,
        columns=columns,
        updates=[c for c in columns if c not in keys],
    )


def reconcile_sql(target: str, staging: str, keys: list[str], measures: list[str]) -> str:
    """Counts and sums of the target rows that carry the exported keys (works for full and delta exports)."""
    on = " AND ".join(f"t.{k} = s.{k}" for k in keys)
    sums = "".join(f", SUM(t.{m})" for m in measures)
    return f"SELECT COUNT(*){sums} FROM {target} t JOIN {staging} s ON {on}"


def read_manifest(export_path: str) -> dict[str, Any]:
    path = Path(export_path.removeprefix("file:")) / EnvConfig.EXPORT_MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"export manifest missing: {path} (did the export task finish?)")
    return json.loads(path.read_text(encoding="utf-8"))


def check_reconciliation(manifest: dict[str, Any], row: tuple[Any, ...]) -> LoadResult:
    """Compare the warehouse's count and sums with the manifest; raise with both sets of numbers."""
    count, sums = int(row[0]), row[1:]
    measures = list(manifest["measures"])
    problems = []
    if count != manifest["rows"]:
        problems.append(f"rows: exported {manifest['rows']}, warehouse {count}")
    got: dict[str, str] = {}
    for measure, value in zip(measures, sums, strict=True):
        expected = Decimal(manifest["measures"][measure] or "0")
        actual = Decimal(str(value)) if value is not None else Decimal("0")
        got[measure] = str(actual)
        if expected != actual:
            problems.append(f"sum({measure}): exported {expected}, warehouse {actual}")
    if problems:
        raise ReconciliationError(f"{manifest['table']}: " + "; ".join(problems))
    return LoadResult(manifest["table"], manifest["rows"], count, got)


def load_duckdb(cfg: WarehouseConfig, export_path: str) -> LoadResult:
    """Stage the export's Parquet, MERGE it and reconcile, all in one DuckDB transaction."""
    import duckdb  # imported here: the DAG files must not pay for it at parse time

    manifest = read_manifest(export_path)
    table, schema = manifest["table"], cfg.schema_
    target, staging = f"{schema}.{table}", f"stg_{table}"
    parquet = str(Path(export_path.removeprefix("file:")) / "*.parquet")
    assert cfg.duckdb_path is not None
    Path(cfg.duckdb_path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(cfg.duckdb_path)
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        con.execute(ddl(table, schema))
        con.execute(f"CREATE OR REPLACE TEMP TABLE {staging} AS SELECT * FROM read_parquet(?)", [parquet])
        con.execute(merge_sql(target, staging, manifest["keys"], manifest["columns"]))
        row = con.execute(reconcile_sql(target, staging, manifest["keys"], list(manifest["measures"]))).fetchone()
        assert row is not None
        result = check_reconciliation(manifest, row)
        con.execute("COMMIT")
        return result
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()


def load(cfg: WarehouseConfig, export_path: str) -> LoadResult:
    if cfg.target == "duckdb":
        return load_duckdb(cfg, export_path)
    raise NotImplementedError(f"warehouse target '{cfg.target}' is not supported yet")
