"""Source contracts (``config/domains/<domain>/sources/<source>.yaml``) and the warehouse tables each
domain hands on (``warehouse.yaml``)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from spark_apps.config.base import ConfigError, _read_yaml, _Strict, _validate, config_dir
from spark_apps.config.domains import DOMAINS_DIR, _unique_by_stem, domain_files, domain_names, domain_of

SparkType = Annotated[
    str,
    Field(pattern=r"^(string|int|long|double|boolean|date|timestamp|decimal\(\d{1,2},\d{1,2}\))$"),
]


class ColumnSpec(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: SparkType = "string"
    nullable: bool = True
    aliases: list[str] = []
    pii: bool = False
    formats: list[str] = Field(default=[], description="Accepted date/timestamp formats, tried in order.")
    max_length: int | None = Field(default=None, gt=0, description="Longer string values are quarantined.")
    coalesce_of: list[str] = Field(
        default=[],
        description="Alternative delivered columns, in priority order: a file may carry several of them, and "
        "the first non-empty value wins (e.g. region from [county, province, state]).",
    )

    @model_validator(mode="after")
    def _formats_only_for_temporal(self) -> ColumnSpec:
        if self.formats and self.type not in ("date", "timestamp"):
            raise ValueError(f"column '{self.name}': 'formats' only applies to date/timestamp columns")
        if self.max_length and self.type != "string":
            raise ValueError(f"column '{self.name}': 'max_length' only applies to string columns")
        return self


class ReaderOptions(_Strict):
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    quote: str = Field(default='"', min_length=1, max_length=1)
    encoding: Literal["utf-8"] = "utf-8"
    header: Literal[True] = True


class DriftPolicy(_Strict):
    extra_columns: Literal["keep", "reject"] = "keep"
    missing_optional: Literal["null"] = "null"
    missing_required: Literal["reject_file"] = "reject_file"


class ValueBounds(_Strict):
    """What every value of a source must fit, unless a column says otherwise: a row outside is quarantined
    with a reason, so one value cannot break a later layer (Parquet's ancient-date rebase, a watermark
    stuck at 9999-12-31, a warehouse VARCHAR)."""

    min_date: dt.date = dt.date(1900, 1, 1)
    max_date: dt.date = dt.date(2100, 12, 31)
    max_string_length: int = Field(default=256, gt=0, description="For string columns without max_length.")

    @model_validator(mode="after")
    def _ordered(self) -> ValueBounds:
        if self.min_date > self.max_date:
            raise ValueError(f"min_date {self.min_date} is after max_date {self.max_date}")
        return self


class DerivedColumn(_Strict):
    """A column computed from the delivered ones (a Spark SQL expression over the typed contract columns),
    stored in raw like any other: e.g. a composite id for order lines that have none of their own."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: SparkType = "string"
    expression: str = Field(min_length=1)


class SourceContract(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str = ""
    glob: str = "*.csv"
    format: Literal["csv", "json", "parquet"] = "csv"
    reader: ReaderOptions = ReaderOptions()
    columns: list[ColumnSpec] = Field(min_length=1)
    derived: list[DerivedColumn] = []
    primary_key: list[str] = Field(min_length=1)
    incremental_column: str | None = None
    drift: DriftPolicy = DriftPolicy()
    bounds: ValueBounds = ValueBounds()
    max_quarantine_rate: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="The largest share of a batch's rows that may be quarantined (by this contract and the raw "
        "checks together) before the batch fails, after committing. Default: 1 - the raw layer's threshold.",
    )
    pii_derived: list[str] = Field(
        default=[],
        description="Columns downstream tables compute from this source's PII (e.g. a change hash of name "
        "and email): masked like the PII columns themselves wherever they appear.",
    )

    def max_length(self, col: ColumnSpec) -> int | None:
        """The longest string value ``col`` accepts (its own max_length, else the source's bound)."""
        return (col.max_length or self.bounds.max_string_length) if col.type == "string" else None

    @property
    def output_columns(self) -> list[tuple[str, str]]:
        """(name, type) of every column raw stores: the declared ones, then the derived ones."""
        return [(c.name, c.type) for c in self.columns] + [(d.name, d.type) for d in self.derived]

    @model_validator(mode="after")
    def _consistent(self) -> SourceContract:
        names = [name for name, _ in self.output_columns]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"duplicate column names: {sorted(dupes)}")
        spellings: dict[str, str] = {}
        for col in self.columns:
            for spelling in [col.name, *col.aliases, *col.coalesce_of]:
                key = spelling.lower()
                if key in spellings and spellings[key] != col.name:
                    raise ValueError(f"alias '{spelling}' maps to both '{spellings[key]}' and '{col.name}'")
                spellings[key] = col.name
        for key in [*self.primary_key, *([self.incremental_column] if self.incremental_column else [])]:
            if key not in names:
                raise ValueError(f"'{key}' is not a declared column")
        return self

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)

    def canonical_name(self, header_name: str) -> str | None:
        """Map a delivered header (any case, or an alias) to its canonical column name."""
        wanted = header_name.strip().lower()
        for col in self.columns:
            if wanted == col.name or wanted in (a.lower() for a in [*col.aliases, *col.coalesce_of]):
                return col.name
        return None

    def priority(self, column: str, header_name: str) -> int:
        """Where a delivered name stands among a ``coalesce_of`` column's alternatives (0 for the others)."""
        alternatives = [a.lower() for a in self.column(column).coalesce_of]
        wanted = header_name.strip().lower()
        return alternatives.index(wanted) if wanted in alternatives else 0


class WarehouseTable(_Strict):
    source: str = Field(pattern=r"^[a-z_]+\.[a-z_]+$", description="namespace.table in the lake catalog")
    keys: list[str] = Field(min_length=1)
    measures: list[str] = []
    # full: every row, and the load deletes what the export lacks; changes: rows added or changed
    # since the version the target last loaded (no deletions carried).
    export: Literal["full", "changes"] = "full"


class WarehouseTables(_Strict):
    tables: dict[str, WarehouseTable] = Field(min_length=1)


def load_contract(path: Path) -> SourceContract:
    contract = _validate(SourceContract, _read_yaml(path), path)
    if contract.name != path.stem:
        raise ConfigError(f"{path}: name: '{contract.name}' must match the file name '{path.stem}'")
    return contract


@cache
def _contracts_in(root: Path) -> dict[str, SourceContract]:
    paths = _unique_by_stem(domain_files("sources", root), "source")
    return {name: load_contract(path) for name, path in paths.items()}


def load_contracts() -> dict[str, SourceContract]:
    """Every domain's source contracts (``config/domains/<domain>/sources``), keyed by source name."""
    return _contracts_in(config_dir())


def source_domains() -> dict[str, str]:
    """Source name -> the domain that declares it."""
    return {p.stem: domain_of(p) for p in domain_files("sources")}


def pii_columns() -> frozenset[str]:
    """Canonical names of every column a contract flags as PII, and of the columns derived from them."""
    contracts = load_contracts().values()
    flagged = {c.name for contract in contracts for c in contract.columns if c.pii}
    return frozenset(flagged | {name for contract in contracts for name in contract.pii_derived})


def load_contract_by_name(name: str) -> SourceContract:
    contracts = load_contracts()
    if name not in contracts:
        raise ConfigError(f"{config_dir() / DOMAINS_DIR}: no source contract named '{name}' (have {sorted(contracts)})")
    return contracts[name]


def load_warehouse_tables() -> WarehouseTables:
    """Every domain's ``warehouse.yaml`` tables: domains in name order, each in its file's order (its
    dimensions before its facts). A table name declared by two domains is an error."""
    tables: dict[str, WarehouseTable] = {}
    owner: dict[str, Path] = {}
    for domain in domain_names():
        path = config_dir() / DOMAINS_DIR / domain / "warehouse.yaml"
        if not path.exists():
            continue
        for name, table in _validate(WarehouseTables, _read_yaml(path), path).tables.items():
            if name in owner:
                raise ConfigError(f"{path}: tables.{name} is already declared in {owner[name]}")
            tables[name], owner[name] = table, path
    if not tables:
        raise ConfigError(f"{config_dir() / DOMAINS_DIR}: no domain declares a warehouse table")
    return WarehouseTables(tables=tables)


RAW_AUDIT_COLUMNS = ("_extra", "_batch_id", "_source_file", "_line", "_run_id", "_ingested_at", "_ingest_date")
