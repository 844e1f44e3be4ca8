"""Load exported gold tables into the warehouse: staging + MERGE in one transaction, then reconcile.

SQL lives in ``include/sql/warehouse``; this module renders it and runs it. The embedded target is a
DuckDB file, which reads the export's Parquet directly. A load either commits completely and
reconciles, or rolls back and leaves the previous state.
"""

from __future__ import annotations

import dataclasses
import io
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
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


class WarehouseDriftError(ReconciliationError):
    """The warehouse table as a whole differs from the lake table: rows changed, added or lost in the
    warehouse outside what the loads sent. The load rolls back and the next export is full (repair)."""


@dataclass(frozen=True)
class LoadResult:
    table: str
    rows_exported: int
    rows_in_target: int
    sums: dict[str, str]
    rows_deleted: int = 0  # by a full export: target rows the export no longer has
    skipped: str | None = None
    version: int | None = None  # the lake table version the export was taken at

    def summary(self) -> str:
        if self.skipped:
            return f"table={self.table} skipped={self.skipped!r}"
        sums = " ".join(f"sum_{k}={v}" for k, v in self.sums.items())
        return (
            f"table={self.table} exported={self.rows_exported} matched_in_warehouse={self.rows_in_target}"
            f" deleted={self.rows_deleted} {sums}".rstrip()
        )


def staging_table(table: str) -> str:
    """The staging table every target loads an export into before the MERGE."""
    return f"stg_{table}"


def render(template: str, **context: Any) -> str:
    return _jinja.get_template(template).render(**context)


# Spark types of an export -> the warehouse type a generated DDL gives them (portable across DuckDB,
# PostgreSQL and Redshift). Strings get the contracts' default bound (ValueBounds.max_string_length).
_SQL_TYPES = {
    "string": "VARCHAR(256)",
    "tinyint": "SMALLINT",
    "smallint": "SMALLINT",
    "int": "INTEGER",
    "bigint": "BIGINT",
    "float": "REAL",
    "double": "DOUBLE PRECISION",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}


def sql_type(table: str, column: str, spark_type: str) -> str:
    if spark_type in _SQL_TYPES:
        return _SQL_TYPES[spark_type]
    if spark_type.startswith("decimal("):
        return spark_type.upper()
    raise ValueError(
        f"{table}.{column}: no warehouse type for Spark type {spark_type}; write include/sql/warehouse/ddl/{table}.sql"
    )


def ddl(table: str, schema: str, dialect: str = "portable", manifest: dict[str, Any] | None = None) -> str:
    """``ddl/<table>.sql`` (portable types), or its ``redshift/<table>.sql`` overlay with DISTKEY/SORTKEY/ENCODE.
    A table without a template (a new domain's, declared in YAML only) gets its DDL from the export's
    column types and keys; write a template to choose widths, encodings and distribution yourself."""
    folder = "redshift" if dialect == "redshift" else "ddl"
    if (SQL_DIR / folder / f"{table}.sql").is_file() or manifest is None:
        return render(f"{folder}/{table}.sql", schema=schema)
    types = manifest.get("column_types") or {}
    if not types:
        raise ValueError(f"{table}: no ddl/{table}.sql and the export lists no column types; re-run its export")
    keys = manifest["keys"]
    columns = [(c, sql_type(table, c, t), c in keys) for c, t in types.items()]
    return render("generated_table.sql", schema=schema, table=table, columns=columns, keys=keys, dialect=dialect)


def merge_sql(target: str, staging: str, keys: list[str], columns: list[str]) -> str:
    return render(
        "merge.sql",
        target=target,
        staging=staging,
        keys=keys,
        columns=columns,
        updates=[c for c in columns if c not in keys],
    )


def delete_missing_sql(target: str, staging: str, keys: list[str]) -> str:
    """After a full export: delete the target rows whose keys are not in staging."""
    return render("delete_missing.sql", target=target, staging=staging, keys=keys)


def is_full(manifest: dict[str, Any]) -> bool:
    """A full export: the load makes the target equal it (deleting what it lacks)."""
    return manifest.get("export") == "full"


def reconcile_sql(target: str, staging: str, keys: list[str], measures: list[str]) -> str:
    """Counts and sums of the target rows that carry the exported keys (works for full and delta exports)."""
    on = " AND ".join(f"t.{k} = s.{k}" for k in keys)
    sums = "".join(f", SUM(t.{m}) AS sum_{m}" for m in measures)
    return f"SELECT COUNT(*) AS n{sums} FROM {target} t JOIN {staging} s ON {on}"


def table_totals_sql(target: str, measures: list[str]) -> str:
    """Count and sums of the whole target table (compared with the lake table's, from the manifest)."""
    sums = "".join(f", SUM({m}) AS sum_{m}" for m in measures)
    return f"SELECT COUNT(*) AS n{sums} FROM {target}"


def check_table_totals(manifest: dict[str, Any], row: tuple[Any, ...]) -> None:
    """The whole warehouse table against the whole lake table; raise ``WarehouseDriftError`` with both
    sets of numbers. Manifests without the lake totals (a skipped export) are not checked."""
    if manifest.get("table_rows") is None:
        return
    sums = {m: manifest["table_measures"].get(m) for m in manifest["measures"]}
    problems, _ = _compare_totals(manifest["table_rows"], sums, row, "lake")
    if problems:
        raise WarehouseDriftError(
            f"{manifest['table']}: the warehouse table drifted from the lake table ({'; '.join(problems)}); "
            "the next export of this table is full, which repairs it"
        )


def guard_sql(target: str, staging: str, manifest: dict[str, Any]) -> str:
    """A statement that fails (division by zero) unless the warehouse matches the manifest, so a load run
    as plain SQL in one transaction (Redshift) aborts instead of committing a mismatch."""
    checks = [f"r.n = {int(manifest['rows'])}"] + [
        f"COALESCE(r.sum_{m}, 0) = {Decimal(v or '0')}" for m, v in manifest["measures"].items()
    ]
    inner = reconcile_sql(target, staging, manifest["keys"], list(manifest["measures"]))
    return f"SELECT 1 / CASE WHEN {' AND '.join(checks)} THEN 1 ELSE 0 END AS reconciled FROM ({inner}) r"


def read_manifest(export_path: str, aws_conn_id: str | None = None) -> dict[str, Any]:
    """The export's manifest, from the local lake or (``s3://``) through the amazon provider's S3Hook."""
    if export_path.startswith("s3://"):
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        from lakehouse.s3_store import split_uri

        bucket, key = split_uri(f"{export_path.rstrip('/')}/{EnvConfig.EXPORT_MANIFEST}")
        hook = S3Hook(aws_conn_id=aws_conn_id)
        if not hook.check_for_key(key, bucket):
            raise FileNotFoundError(f"export manifest missing: s3://{bucket}/{key} (did the export task finish?)")
        return json.loads(hook.read_key(key, bucket))
    path = Path(export_path.removeprefix("file:")) / EnvConfig.EXPORT_MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"export manifest missing: {path} (did the export task finish?)")
    return json.loads(path.read_text(encoding="utf-8"))


def check_reconciliation(manifest: dict[str, Any], row: tuple[Any, ...]) -> LoadResult:
    """Compare the warehouse's count and sums with the manifest; raise with both sets of numbers."""
    problems, got = _compare_totals(manifest["rows"], manifest["measures"], row, "exported")
    if problems:
        raise ReconciliationError(f"{manifest['table']}: " + "; ".join(problems))
    return LoadResult(manifest["table"], manifest["rows"], int(row[0]), got, version=manifest.get("version"))


def _compare_totals(
    rows: int, sums: dict[str, str | None], row: tuple[Any, ...], side: str
) -> tuple[list[str], dict[str, str]]:
    """A warehouse ``(count, sum, …)`` row against expected totals (exact decimals; a null sum is 0):
    the differences, each naming both numbers, and the warehouse's sums as text."""
    problems = [] if int(row[0]) == rows else [f"rows: {side} {rows}, warehouse {int(row[0])}"]
    got: dict[str, str] = {}
    for measure, value in zip(sums, row[1:], strict=True):
        expected = Decimal(sums[measure] or "0")
        actual = Decimal(str(value)) if value is not None else Decimal("0")
        got[measure] = str(actual)
        if expected != actual:
            problems.append(f"sum({measure}): {side} {expected}, warehouse {actual}")
    return problems, got


def _load(
    con: Any, cur: Any, cfg: WarehouseConfig, export_path: str, stage: Callable[[Any, str, str, dict], None]
) -> LoadResult:
    """The load every target shares, in one transaction on ``con`` (statements through ``cur``): schema and
    table DDL, ``stage`` the export into a session-local staging table, MERGE, reconcile; commit only if
    all of it held, else roll back to the previous state."""
    manifest = read_manifest(export_path)
    table, schema = manifest["table"], cfg.schema_
    if manifest.get("skipped"):
        return LoadResult(table, 0, 0, {}, skipped=manifest["skipped"])
    target, staging = f"{schema}.{table}", staging_table(table)
    try:
        cur.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        cur.execute(ddl(table, schema, manifest=manifest))
        stage(cur, target, staging, manifest)
        deleted = 0
        if is_full(manifest):
            before = _count(cur, target)
            cur.execute(delete_missing_sql(target, staging, manifest["keys"]))
            deleted = before - _count(cur, target)
        cur.execute(merge_sql(target, staging, manifest["keys"], manifest["columns"]))
        cur.execute(reconcile_sql(target, staging, manifest["keys"], list(manifest["measures"])))
        row = cur.fetchone()
        assert row is not None
        result = check_reconciliation(manifest, row)
        cur.execute(table_totals_sql(target, list(manifest["measures"])))
        whole = cur.fetchone()
        assert whole is not None
        check_table_totals(manifest, whole)
        con.commit()
        return dataclasses.replace(result, rows_deleted=deleted)
    except Exception:
        con.rollback()
        raise


def _count(cur: Any, table: str) -> int:
    cur.execute(f"SELECT COUNT(*) FROM {table}")
    row = cur.fetchone()
    assert row is not None
    return int(row[0])


def record_load(env: EnvConfig, result: LoadResult) -> None:
    """After a committed load: remember the lake table version the target now holds, so the next
    ``changes`` export sends only what changed since (``EnvConfig.loaded_mark_path``)."""
    from lakehouse.s3_store import store_for

    if result.skipped or result.version is None:
        return
    mark = {"version": result.version, "rows": result.rows_exported}
    store_for(env).write_text(env.loaded_mark_path(result.table), json.dumps(mark))


def forget_load(env: EnvConfig, table: str, why: str) -> None:
    """After drift: a mark with no version, so the next export of ``table`` is full and repairs it."""
    from lakehouse.s3_store import store_for

    store_for(env).write_text(env.loaded_mark_path(table), json.dumps({"version": None, "drift": why}))


def load_table(env: EnvConfig, table: str, run_id: str) -> LoadResult:
    """Load one table's export into the DuckDB or PostgreSQL target and record what it now holds; on
    drift, forget the mark so the next export is full."""
    try:
        result = load(env.warehouse, env.export_path(table, run_id), env.lake.aws_conn_id)
    except WarehouseDriftError as exc:
        forget_load(env, table, str(exc))
        raise
    record_load(env, result)
    return result


def _parquet_files(export_path: str) -> list[str]:
    return sorted(str(p) for p in Path(export_path.removeprefix("file:")).glob("*.parquet"))


def load_duckdb(cfg: WarehouseConfig, export_path: str) -> LoadResult:
    """DuckDB reads the export's Parquet itself (``read_parquet``) into a temp staging table."""
    import duckdb  # imported here: the DAG files must not pay for it at parse time

    def stage(cur: Any, target: str, staging: str, manifest: dict) -> None:
        if files:
            cur.execute(f"CREATE OR REPLACE TEMP TABLE {staging} AS SELECT * FROM read_parquet(?)", [files])
        else:  # an export of no rows (nothing changed, or an empty table)
            cols = ", ".join(manifest["columns"]) or "*"
            cur.execute(f"CREATE OR REPLACE TEMP TABLE {staging} AS SELECT {cols} FROM {target} WHERE 1 = 0")

    files = _parquet_files(export_path)
    assert cfg.duckdb_path is not None
    Path(cfg.duckdb_path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(cfg.duckdb_path)
    try:
        con.execute("BEGIN TRANSACTION")
        return _load(con, con, cfg, export_path, stage)  # a DuckDB cursor would be another connection
    finally:
        con.close()


COPY_BATCH_ROWS = 100_000


def copy_sql(staging: str, columns: list[str]) -> str:
    """CSV because PostgreSQL's COPY cannot read Parquet; unquoted empty is NULL, quoted "" an empty string."""
    return f"COPY {staging} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"


def csv_batches(files: list[str], columns: list[str], batch_rows: int = COPY_BATCH_ROWS) -> Iterator[bytes]:
    """The export as CSV chunks, streamed from Parquet record batches (never the whole table in memory)."""
    import pyarrow.csv as pacsv
    import pyarrow.dataset as ds

    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    for batch in ds.dataset(files, format="parquet").to_batches(columns=columns, batch_size=batch_rows):
        sink = io.BytesIO()
        pacsv.write_csv(batch, sink, write_options=options)
        yield sink.getvalue()


def copy_rows(cur: Any, sql: str, chunks: Iterable[bytes]) -> None:
    """COPY FROM STDIN with either driver the postgres provider may hand us (psycopg 3 or psycopg2)."""
    if hasattr(cur, "copy"):
        with cur.copy(sql) as copy:
            for chunk in chunks:
                copy.write(chunk)
    else:
        for chunk in chunks:
            cur.copy_expert(sql, io.BytesIO(chunk))


def load_postgres(cfg: WarehouseConfig, export_path: str) -> LoadResult:
    """COPY FROM STDIN into a temp staging table shaped like the target, then the shared MERGE."""
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    def stage(cur: Any, target: str, staging: str, manifest: dict) -> None:
        cur.execute(f"CREATE TEMP TABLE {staging} (LIKE {target} INCLUDING DEFAULTS) ON COMMIT DROP")
        if files:
            copy_rows(cur, copy_sql(staging, manifest["columns"]), csv_batches(files, manifest["columns"]))

    files = _parquet_files(export_path)
    con = PostgresHook(postgres_conn_id=cfg.conn_id).get_conn()
    try:
        cur = con.cursor()
        for statement in session_guards(cfg):
            cur.execute(statement)
        return _load(con, cur, cfg, export_path, stage)
    finally:
        con.close()


def session_guards(cfg: WarehouseConfig) -> list[str]:
    """A load's session settings on PostgreSQL: a statement timeout, and server-side TCP keepalives so a
    session whose client vanished mid-COPY ends instead of holding its locks (set in the load's
    transaction, so they last exactly as long as it)."""
    idle = cfg.keepalive_idle_s
    return [
        f"SET LOCAL statement_timeout = {cfg.statement_timeout_s * 1000}",
        f"SET LOCAL tcp_keepalives_idle = {idle}",
        f"SET LOCAL tcp_keepalives_interval = {max(1, idle // 6)}",
        "SET LOCAL tcp_keepalives_count = 6",
    ]


@contextmanager
def local_export(export_path: str, aws_conn_id: str | None = None) -> Iterator[str]:
    """The export as a local folder: itself, or (an ``s3://`` lake with a DuckDB or PostgreSQL target) a
    temporary copy of its objects fetched through the amazon provider's S3Hook, removed afterwards."""
    if not export_path.startswith("s3://"):
        yield export_path
        return
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    from lakehouse.s3_store import split_uri

    bucket, prefix = split_uri(export_path.rstrip("/") + "/")
    hook = S3Hook(aws_conn_id=aws_conn_id)
    with tempfile.TemporaryDirectory(prefix="export-") as folder:
        for key in hook.list_keys(bucket_name=bucket, prefix=prefix) or []:
            name = key[len(prefix) :]
            if name and "/" not in name:
                hook.get_conn().download_file(bucket, key, str(Path(folder) / name))
        yield folder


def load(cfg: WarehouseConfig, export_path: str, aws_conn_id: str | None = None) -> LoadResult:
    """Load one export into the configured target (Redshift loads run as operators: see ``redshift_load``)."""
    if cfg.target not in ("duckdb", "postgres"):
        raise ValueError(f"warehouse target '{cfg.target}' is loaded by operators, not by load()")
    with local_export(export_path, aws_conn_id) as folder:
        return load_duckdb(cfg, folder) if cfg.target == "duckdb" else load_postgres(cfg, folder)
