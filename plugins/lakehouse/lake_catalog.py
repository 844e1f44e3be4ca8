"""The lake as the Airflow UI sees it: tables, their metadata, their first rows, read without Spark.

The API server must not start a JVM to draw a page, so tables are read with PyIceberg from the same
catalog the Spark jobs write: a Hadoop catalog is a folder (local, or S3 through pyarrow), Glue and
REST catalogs go through PyIceberg's own clients with the catalog's ``properties``. Iceberg metadata
files never change once written, so everything derived from one (partitions, counts) is cached by
its location and a new commit is seen on the next request. Delta tables (Databricks) are not read
here: Unity Catalog has its own explorer.

Rows shown to people go through ``spark_apps.pii``: PII columns masked, and a quarantined row's
delivered text masked field by field, using the header of the file it came from.
"""

from __future__ import annotations

import datetime as dt
import decimal
import logging
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, get_args

from spark_apps.config import EnvConfig, SourceContract, Zone, load_contracts, pii_columns
from spark_apps.landing import LandingStore
from spark_apps.layout import split_header
from spark_apps.lineage import Lineage, build_lineage
from spark_apps.pii import RAW_COLUMN, mask_raw_line, mask_row, mask_value

EXTRA_COLUMN = "_extra"  # a raw table's undeclared columns (spark_apps.config.RAW_AUDIT_COLUMNS)

if TYPE_CHECKING:
    from pyiceberg.table import Table

ZONES: tuple[str, ...] = get_args(Zone)
logging.getLogger("pyiceberg.io").setLevel(logging.WARNING)  # one "Defaulting to PyArrow FileIO" per table
MAX_PREVIEW_ROWS = 500
LINE_BREAK = re.compile(r"\r\n|\r|\n")


class CatalogUnavailable(RuntimeError):
    """The configured catalog cannot be read here (Delta / Unity Catalog)."""


class TableNotFound(KeyError):
    """No such table in the lake."""


@dataclass(frozen=True)
class TableRef:
    zone: str
    name: str

    @property
    def qualified(self) -> str:
        return f"{self.zone}.{self.name}"


def parse_ref(qualified: str) -> TableRef:
    zone, _, name = qualified.partition(".")
    if zone not in ZONES or not re.fullmatch(r"[a-z0-9_]+", name):
        raise TableNotFound(qualified)
    return TableRef(zone, name)


def json_value(value: Any) -> Any:
    """A value PyArrow hands back, in a form JSON carries without loss of meaning."""
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list):
        if value and all(isinstance(v, tuple) and len(v) == 2 for v in value):  # an Arrow map
            return {str(k): json_value(v) for k, v in value}
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return value


class LakeCatalog:
    """Read-only access to the lake's tables for the lakehouse pages."""

    def __init__(self, env: EnvConfig, store: LandingStore) -> None:
        if env.table_format != "iceberg":
            raise CatalogUnavailable(
                f"the lakehouse pages read Iceberg tables; this environment uses {env.table_format} "
                "(use the workspace's catalog explorer)"
            )
        self.env, self.store = env, store

    # ------------------------------------------------------------------ tables

    def tables(self) -> list[TableRef]:
        """Every table of every zone, zone by zone."""
        catalog = self.env.catalog
        if catalog.type == "hadoop":
            root = str(catalog.warehouse).rstrip("/")
            return [
                TableRef(zone, name)
                for zone in ZONES
                for name in self.store.list_folders(f"{root}/{zone}")
                if self.store.read_text(f"{root}/{zone}/{name}/metadata/version-hint.text") is not None
            ]
        client = self._client()
        existing = {ns[0] for ns in client.list_namespaces()}
        return [TableRef(zone, ident[-1]) for zone in ZONES if zone in existing for ident in client.list_tables(zone)]

    def load(self, ref: TableRef) -> Table:
        catalog = self.env.catalog
        if catalog.type == "hadoop":
            location = f"{str(catalog.warehouse).rstrip('/')}/{ref.zone}/{ref.name}"
            hint = self.store.read_text(f"{location}/metadata/version-hint.text")
            if hint is None:
                raise TableNotFound(ref.qualified)
            metadata = f"{location}/metadata/v{hint.strip()}.metadata.json"
            return _static_table(metadata, tuple(catalog.properties.items()))
        from pyiceberg.exceptions import NoSuchTableError

        try:
            return self._client().load_table((ref.zone, ref.name))
        except NoSuchTableError as exc:
            raise TableNotFound(ref.qualified) from exc

    def _client(self):
        from pyiceberg.catalog import load_catalog

        catalog = self.env.catalog
        if catalog.type not in ("glue", "rest"):
            raise CatalogUnavailable(f"catalog type '{catalog.type}' cannot be read by PyIceberg")
        props = {"type": catalog.type, **catalog.properties}
        if catalog.uri:
            props["uri"] = catalog.uri
        if catalog.warehouse:
            props["warehouse"] = catalog.warehouse
        return load_catalog(catalog.name, **props)

    # ------------------------------------------------------------------ metadata

    def describe(self, ref: TableRef, lineage: Lineage | None = None, with_partitions: bool = True) -> dict[str, Any]:
        """Zone, row count, last update, partitioning and lineage of one table."""
        table = self.load(ref)
        lineage = lineage or config_lineage()
        snapshot = table.current_snapshot()
        summary = dict(snapshot.summary.additional_properties) if snapshot and snapshot.summary else {}
        records = int(summary.get("total-records", 0))
        position_deletes = int(summary.get("total-position-deletes", 0))
        equality_deletes = int(summary.get("total-equality-deletes", 0))
        spec = table.spec()
        described: dict[str, Any] = {
            "table": ref.qualified,
            "zone": ref.zone,
            "name": ref.name,
            # Iceberg keeps counts per commit: live rows = records - position deletes. Equality
            # deletes (Spark never writes them) would make it an upper bound.
            "rows": records - position_deletes,
            "rows_exact": equality_deletes == 0,
            "data_files": int(summary.get("total-data-files", 0)),
            "delete_files": int(summary.get("total-delete-files", 0)),
            "size_bytes": int(summary.get("total-files-size", 0)),
            "last_updated": _utc(snapshot.timestamp_ms) if snapshot else None,
            "last_operation": str(snapshot.summary.operation.value) if snapshot and snapshot.summary else None,
            "snapshots": len(table.snapshots()),
            "partitioned_by": [
                _partition_field(str(f.transform), table.schema().find_column_name(f.source_id) or str(f.source_id))
                for f in spec.fields
            ],
            "upstream": lineage.upstream(ref.qualified),
            "downstream": lineage.downstream(ref.qualified),
            "columns": [{"name": f.name, "type": str(f.field_type)} for f in table.schema().fields],
        }
        if with_partitions:
            described["partitions"] = partitions(table)
        return described

    def catalog(self) -> list[dict[str, Any]]:
        """Every table described, with its partition count (the catalog page)."""
        lineage = config_lineage()
        rows = []
        for ref in self.tables():
            described = self.describe(ref, lineage)
            described["partition_count"] = len(described.pop("partitions"))
            described.pop("columns")
            rows.append(described)
        return rows

    # ------------------------------------------------------------------ rows

    def preview(self, ref: TableRef, limit: int = 20) -> dict[str, Any]:
        """The table's first ``limit`` rows (in file order), masked for people to look at."""
        limit = max(1, min(int(limit), MAX_PREVIEW_ROWS))
        table = self.load(ref)
        rows = [{k: json_value(v) for k, v in r.items()} for r in table.scan(limit=limit).to_arrow().to_pylist()]
        columns = [f.name for f in table.schema().fields]
        pii = self.env.pii.masking()
        masked: list[str] = []
        if pii.mask_samples:
            flagged = {c.lower() for c in pii_columns()}
            masked = [c for c in columns if c.lower() in flagged]
            rows = [mask_row(r, flagged, pii) for r in rows]
            if EXTRA_COLUMN in columns:  # undeclared columns (a phone number, say): nobody vouched for them
                masked.append(EXTRA_COLUMN)
                for r in rows:
                    if isinstance(r[EXTRA_COLUMN], dict):
                        r[EXTRA_COLUMN] = {k: mask_value(v, pii) for k, v in r[EXTRA_COLUMN].items()}
            contract = load_contracts().get(ref.name) if ref.zone == "quarantine" else None
            if contract is not None and RAW_COLUMN in columns and any(c.pii for c in contract.columns):
                masked.append(RAW_COLUMN)
                for r in rows:
                    header = self.header_of(str(r.get("_source_file") or ""), contract)
                    r[RAW_COLUMN] = mask_raw_line(r[RAW_COLUMN], contract, header, pii)
        return {"table": ref.qualified, "columns": columns, "rows": rows, "limit": limit, "masked_columns": masked}

    def scan_rows(self, ref: TableRef, row_filter: str | None = None) -> list[dict[str, Any]]:
        """Every row matching ``row_filter`` (PyIceberg's expression syntax), for small ops tables."""
        table = self.load(ref)
        scan = table.scan(row_filter=row_filter) if row_filter else table.scan()
        return scan.to_arrow().to_pylist()

    def header_of(self, source_file: str, contract: SourceContract) -> tuple[str, ...] | None:
        """The header fields of a delivered CSV file, or None (not CSV, or no longer readable)."""
        uri = _store_uri(source_file)
        if contract.format != "csv" or not uri:
            return None
        return _header(self.store, uri, contract.reader.delimiter, contract.reader.quote)  # type: ignore[arg-type]  # stores hash by identity


# --------------------------------------------------------------------------- cached by immutable keys


@lru_cache(maxsize=256)
def _static_table(metadata_location: str, properties: tuple[tuple[str, str], ...]) -> Table:
    from pyiceberg.table import StaticTable

    return StaticTable.from_metadata(metadata_location, dict(properties))


_PARTITIONS: dict[str, list[dict[str, Any]]] = {}


def partitions(table: Table) -> list[dict[str, Any]]:
    """Per partition: its values (human-readable), rows, files; cached per metadata file."""
    if table.metadata_location not in _PARTITIONS:
        if len(_PARTITIONS) >= 256:
            _PARTITIONS.pop(next(iter(_PARTITIONS)))
        _PARTITIONS[table.metadata_location] = _read_partitions(table)
    return _PARTITIONS[table.metadata_location]


def _read_partitions(table: Table) -> list[dict[str, Any]]:
    spec, schema = table.spec(), table.schema()
    if not spec.fields or table.current_snapshot() is None:
        return []
    out = []
    for p in table.inspect.partitions().to_pylist():
        values = {}
        for f in spec.fields:
            source_type = schema.find_field(f.source_id).field_type
            values[f.name] = f.transform.to_human_string(source_type, p["partition"].get(f.name))
        out.append(
            {
                "partition": values,
                "rows": int(p["record_count"]) - int(p.get("position_delete_record_count") or 0),
                "files": int(p["file_count"]),
                "last_updated": p["last_updated_at"].replace(tzinfo=dt.UTC).isoformat()
                if p.get("last_updated_at")
                else None,
            }
        )
    return sorted(out, key=lambda p: [str(v) for v in p["partition"].values()])


@cache
def config_lineage() -> Lineage:
    return build_lineage()


@lru_cache(maxsize=1024)
def _header(store: LandingStore, uri: str, delimiter: str, quote: str) -> tuple[str, ...] | None:
    try:
        head = next(iter(store.chunks(uri)), b"")
    except Exception:  # gone (retention), unreadable: the caller redacts the whole line
        return None
    first = LINE_BREAK.split(head.decode("utf-8", errors="replace").lstrip("\ufeff"), maxsplit=1)[0]
    return split_header(first, delimiter, quote) if first else None


def _store_uri(source_file: str) -> str:
    """A Spark input file name (``file:/…``, ``s3a://…``) as the landing store names it."""
    if source_file.startswith("file:"):
        return re.sub(r"^file:/*", "/", source_file)
    if source_file.startswith(("s3a://", "s3n://")):
        return "s3://" + source_file.split("://", 1)[1]
    return source_file


def _partition_field(transform: str, column: str) -> str:
    """``_ingest_date`` for an identity partition, ``month(transaction_date)`` for a transform."""
    return column if transform == "identity" else f"{transform}({column})"


def _utc(millis: int) -> str:
    return dt.datetime.fromtimestamp(millis / 1000, dt.UTC).isoformat(timespec="seconds")
