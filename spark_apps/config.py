"""Declarative configuration: environments, source contracts, warehouse tables, business rules.

Everything the pipelines do is driven by YAML under ``config/``. It is validated when loaded,
so a typo fails at DAG parse or job start with the file and the key, never mid-run.
This module imports no Spark and no Airflow: both sides (DAG files and Spark jobs) use it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from functools import cache
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

HOME_VAR = "PIPELINE_HOME"
# Where config/ and relative paths resolve from. Jobs run from the --py-files archive, where
# __file__ is inside a zip, so the task factory passes the project folder explicitly.
PROJECT_ROOT = Path(os.environ.get(HOME_VAR) or Path(__file__).resolve().parents[1])
ENV_VAR = "PIPELINE_ENV"
CONFIG_DIR_VAR = "PIPELINE_CONFIG_DIR"
DEFAULT_ENV = "dev"

M = TypeVar("M", bound="BaseModel")
_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class ConfigError(ValueError):
    """An invalid or missing config file; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- environments


class LakeConfig(_Strict):
    root: str = Field(description="Local folder or URI (s3://bucket/prefix) holding every zone.")
    aws_conn_id: str = Field(default="aws_default", description="Airflow connection for an s3:// lake.")

    def path(self, *parts: str) -> str:
        return "/".join([self.root.rstrip("/"), *[p.strip("/") for p in parts]])


class CatalogConfig(_Strict):
    name: str = "lake"
    type: Literal["hadoop", "glue", "rest", "unity"]
    warehouse: str | None = None
    uri: str | None = None
    properties: dict[str, str] = {}

    @model_validator(mode="after")
    def _needs(self) -> CatalogConfig:
        if self.type in ("hadoop", "glue") and not self.warehouse:
            raise ValueError(f"catalog type '{self.type}' needs 'warehouse'")
        if self.type == "rest" and not self.uri:
            raise ValueError("catalog type 'rest' needs 'uri'")
        return self


class DatabricksConfig(_Strict):
    """How Databricks runs a job: a new job cluster or an existing one, and the libraries to install."""

    existing_cluster_id: str | None = None
    new_cluster: dict[str, Any] | None = None
    libraries: list[dict[str, Any]] = []
    polling_period_seconds: int = Field(default=30, gt=0)

    @model_validator(mode="after")
    def _one_cluster(self) -> DatabricksConfig:
        if (self.existing_cluster_id is None) == (self.new_cluster is None):
            raise ValueError("give exactly one of 'existing_cluster_id' and 'new_cluster'")
        return self


class SparkConfig(_Strict):
    backend: Literal["spark_submit", "databricks"] = "spark_submit"
    conn_id: str = "spark_local"
    deploy_mode: Literal["client", "cluster"] | None = None
    python: Literal["current"] | None = Field(
        default=None, description="'current': drivers and workers use the interpreter running Airflow."
    )
    jvm_packages: list[str] = Field(
        default=["iceberg"], description="Names from config/jvm_packages.yaml this environment's Spark needs."
    )
    jvm_source: Literal["cache", "maven"] = Field(
        default="cache",
        description="cache: the jars `make install` resolved into .jvm/ (offline); maven: spark.jars.packages.",
    )
    jars: list[str] = Field(default=[], description="Extra jar files or URIs, beside the jvm_packages.")
    packages: list[str] = Field(default=[], description="Extra Maven coordinates, beside the jvm_packages.")
    conf: dict[str, str | int | float | bool] = {}
    py_files: str = "dist/spark_apps.zip"
    apps_root: str = Field(default="spark_apps/jobs", description="Folder or URI holding the job entry points.")
    databricks: DatabricksConfig | None = None

    @model_validator(mode="after")
    def _backend_settings(self) -> SparkConfig:
        if self.backend == "databricks" and self.databricks is None:
            raise ValueError("backend 'databricks' needs a 'databricks' section")
        return self


class WarehouseConfig(_Strict):
    target: Literal["duckdb", "postgres", "redshift"]
    schema_: str = Field(default="analytics", alias="schema")
    duckdb_path: str | None = None
    conn_id: str | None = None
    statement_timeout_s: int = Field(
        default=1800, gt=0, description="PostgreSQL loads: longest statement; a stuck COPY or MERGE fails, not hangs."
    )
    keepalive_idle_s: int = Field(
        default=60, gt=0, description="PostgreSQL loads: TCP keepalive after this idle time, so a cut connection ends."
    )
    copy_iam_role: str | None = Field(
        default=None,
        pattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$",
        description="Redshift: the IAM role COPY reads the exports with (the cluster must be allowed to assume it).",
    )

    @model_validator(mode="after")
    def _needs(self) -> WarehouseConfig:
        if self.target == "duckdb" and not self.duckdb_path:
            raise ValueError("target 'duckdb' needs 'duckdb_path'")
        if self.target in ("postgres", "redshift") and not self.conn_id:
            raise ValueError(f"target '{self.target}' needs 'conn_id'")
        if self.target == "redshift" and not self.copy_iam_role:
            raise ValueError("target 'redshift' needs 'copy_iam_role' (the IAM role ARN its COPY reads S3 with)")
        return self


class AirflowConfig(_Strict):
    owner: str = "data-platform"
    retries: int = Field(default=2, ge=0)
    retry_delay_minutes: float = Field(default=5, ge=0)
    landing_schedule: str | None = "@daily"
    landing_sensor_timeout_minutes: int | None = Field(
        default=None, gt=0, description="Wait this long for a batch's files to land (None: no sensor)."
    )
    start_date: str = "2026-01-01"
    summary_schedule: str = Field(
        default="0 6 2 * *", description="Cron for the account summary's forward run (monthly by default)."
    )
    freshness_schedule: str | None = Field(default="@hourly", description="When the freshness SLAs are checked.")


Layer = Literal["raw", "processing", "marts"]
Zone = Literal["raw", "quarantine", "curated", "marts", "ops"]
PARTITION_RETENTION_ZONES = ("raw", "quarantine")  # partitioned by _ingest_date, the day a batch landed


class ZoneRetention(_Strict):
    """How long one zone keeps table history, unreferenced files and (raw, quarantine) old batches."""

    snapshot_retention_days: int = Field(default=7, ge=0, description="Expire snapshots older than this...")
    retain_last: int = Field(default=5, ge=1, description="...but always keep this many.")
    orphan_retention_days: int = Field(
        default=3, ge=1, description="Remove unreferenced files older than this (Iceberg needs >= 1 day)."
    )
    partition_retention_days: int | None = Field(
        default=None, gt=0, description="Delete batches that landed more than this many days before the run."
    )
    zorder_by: dict[str, list[str]] = Field(default_factory=dict, description="Delta: table -> ZORDER columns.")


class MaintenanceConfig(_Strict):
    """The weekly lakehouse_maintenance DAG: its schedule and a retention policy per zone."""

    schedule: str | None = "@weekly"
    zones: dict[Zone, ZoneRetention] = Field(
        default_factory=lambda: {
            "raw": ZoneRetention(partition_retention_days=730),
            "quarantine": ZoneRetention(retain_last=2, partition_retention_days=90),
            "curated": ZoneRetention(),
            "marts": ZoneRetention(retain_last=2),
            "ops": ZoneRetention(),
        }
    )

    @model_validator(mode="after")
    def _partition_retention_only_where_partitioned(self) -> MaintenanceConfig:
        for zone, policy in self.zones.items():
            if policy.partition_retention_days is not None and zone not in PARTITION_RETENTION_ZONES:
                raise ValueError(
                    f"zones.{zone}.partition_retention_days: only {' and '.join(PARTITION_RETENTION_ZONES)} "
                    "are partitioned by batch date"
                )
        return self

    def policy(self, zone: str) -> ZoneRetention:
        """A zone's policy; a zone left out of config keeps the defaults (no batches deleted)."""
        return self.zones.get(zone, ZoneRetention())  # type: ignore[call-overload]


class AlertChannel(_Strict):
    """Where alerts go: the task log, email through an SMTP connection, or a webhook (Slack's incoming
    webhooks included) through an HTTP connection. Connections come from AIRFLOW_CONN_* or a backend."""

    type: Literal["log", "email", "webhook"]
    conn_id: str | None = Field(default=None, description="email: SMTP connection; webhook: HTTP connection")
    to: list[str] = Field(default_factory=list, description="email recipients")
    endpoint: str = Field(default="", description="webhook path below the connection's host")

    @model_validator(mode="after")
    def _needs_what_it_sends_through(self) -> AlertChannel:
        if self.type in ("email", "webhook") and not self.conn_id:
            raise ValueError(f"a {self.type} channel needs conn_id")
        if self.type == "email" and not self.to:
            raise ValueError("an email channel needs at least one address in 'to'")
        return self


class AlertsConfig(_Strict):
    """Which events alert, and through which channels."""

    events: list[Literal["failure", "quality_breach", "sla_miss"]] = ["failure", "quality_breach", "sla_miss"]
    channels: list[AlertChannel] = Field(default_factory=lambda: [AlertChannel(type="log")])


class PiiConfig(_Strict):
    """Masking of the columns flagged ``pii: true`` in the source contracts (matched by column name in
    every table they flow into). Non-prod environments mask what leaves the lake; every environment
    masks the rows it shows people (the lakehouse pages' previews and quarantine samples)."""

    mask_exports: bool = False
    mask_samples: bool = Field(
        default=True,
        description="Mask them in rows shown to people (table previews, quarantine samples); hash needs a salt, "
        "else they are redacted.",
    )
    method: Literal["hash", "redact"] = "hash"
    salt: str = Field(default="", description="Secret salt of the hash; from ${PIPELINE_PII_SALT} in config.")

    def masking(self) -> PiiConfig:
        """How values are masked (exports and shown rows): this config's method, but redaction where a hash
        would lack a salt, since an unsalted hash of an email is a dictionary lookup away. No committed
        config carries a salt: it comes from ${PIPELINE_PII_SALT}."""
        return self if self.method == "redact" or self.salt else self.model_copy(update={"method": "redact"})


class LayerThresholds(_Strict):
    """Minimum pass rate of every check in a layer (a suite or a check may set its own)."""

    raw: float = Field(default=0.90, ge=0, le=1)
    processing: float = Field(default=0.95, ge=0, le=1)
    marts: float = Field(default=0.98, ge=0, le=1)


class QualityConfig(_Strict):
    """How checks run here: the engine, the minimum pass rate per layer, how much history reports show."""

    engine: Literal["auto", "native", "deequ"] = Field(
        default="auto", description="auto: deequ when its JVM classes load, else native"
    )
    thresholds: LayerThresholds = LayerThresholds()
    report_history_runs: int = Field(default=30, gt=0, description="runs shown in the reports' trend charts")

    def threshold(self, layer: str) -> float:
        return float(getattr(self.thresholds, layer))


class EnvConfig(_Strict):
    name: str
    lake: LakeConfig
    catalog: CatalogConfig
    table_format: Literal["iceberg", "delta"] = "iceberg"
    spark: SparkConfig = SparkConfig()
    warehouse: WarehouseConfig
    airflow: AirflowConfig = AirflowConfig()
    quality: QualityConfig = QualityConfig()
    maintenance: MaintenanceConfig = MaintenanceConfig()
    pii: PiiConfig = PiiConfig()
    alerts: AlertsConfig = AlertsConfig()

    @model_validator(mode="after")
    def _delta_catalog(self) -> EnvConfig:
        if self.table_format == "delta" and self.catalog.type not in ("hadoop", "unity"):
            raise ValueError("table_format 'delta' needs catalog type 'unity' (Databricks) or 'hadoop' (folders)")
        if self.table_format == "delta" and self.catalog.type == "hadoop" and self.catalog.name != "spark_catalog":
            raise ValueError("catalog.name: a Delta 'hadoop' catalog is Spark's session catalog: 'spark_catalog'")
        return self

    def table(self, namespace: str, name: str) -> str:
        """Fully qualified table name, e.g. ``lake.raw.customers``."""
        return f"{self.catalog.name}.{namespace}.{name}"

    EXPORT_MANIFEST: ClassVar[str] = "_manifest.json"  # written last by an export, read by every loader
    COPY_MANIFEST: ClassVar[str] = "_copy.manifest"  # the part files, for Redshift's COPY ... MANIFEST

    def export_path(self, table: str, run_id: str) -> str:
        """``<lake>/exports/<table>/<run_id>``, with the run id made safe for paths."""
        return self.lake.path("exports", table, safe_run_id(run_id))

    def quality_report_path(self, run_id: str, name: str) -> str:
        """``<lake>/reports/quality/<run_id>/<name>`` (the run's JSON and HTML quality reports)."""
        return self.lake.path("reports", "quality", safe_run_id(run_id), name)

    def loaded_mark_path(self, table: str) -> str:
        """Where a load records the lake table version the warehouse target now holds (written by the
        loader after its commit, read by the next ``changes`` export)."""
        return self.lake.path("exports", table, f"_loaded_{self.warehouse.target}.json")


def s3_url(uri: str) -> str:
    """The ``s3://`` form of a URI Spark may name ``s3a://`` or ``s3n://`` (what Redshift's COPY reads)."""
    return re.sub(r"^s3[an]://", "s3://", uri)


def safe_run_id(run_id: str) -> str:
    """Airflow run ids contain ':' and '+'; this form is safe in paths and partition values. A run id
    that would name no folder of its own ('', '.', '..', a hidden name) is refused: '..' would make the
    run's export folder the whole exports folder."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id)
    if not safe or safe.startswith("."):
        raise ValueError(f"run id {run_id!r} cannot name a folder: use letters, digits, '_', '-' or '.' not first")
    return safe


# --------------------------------------------------------------------------- source contracts

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


# --------------------------------------------------------------------------- warehouse and business rules


class WarehouseTable(_Strict):
    source: str = Field(pattern=r"^[a-z_]+\.[a-z_]+$", description="namespace.table in the lake catalog")
    keys: list[str] = Field(min_length=1)
    measures: list[str] = []
    # full: every row, and the load deletes what the export lacks; changes: rows added or changed
    # since the version the target last loaded (no deletions carried).
    export: Literal["full", "changes"] = "full"


class WarehouseTables(_Strict):
    tables: dict[str, WarehouseTable] = Field(min_length=1)


class CustomerRules(_Strict):
    tracked_attributes: list[str] = Field(
        default=["first_name", "last_name", "email", "country", "territory", "signup_date"], min_length=1
    )
    first_valid_from: str = Field(default="1900-01-01", pattern=r"^\d{4}-\d{2}-\d{2}$")


class Segments(_Strict):
    high: float = Field(gt=0)
    medium: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Segments:
        if self.medium >= self.high:
            raise ValueError(f"segments: medium ({self.medium}) must be below high ({self.high})")
        return self


class MartRefresh(_Strict):
    refresh: Literal["affected", "full"] = "affected"


class RetailRules(_Strict):
    restocking_fee_rate: float = Field(ge=0, le=1)
    large_order_threshold: float = Field(gt=0)
    unknown_member_key: int = -1
    customer: CustomerRules = CustomerRules()
    product_families: dict[str, list[str]] = Field(default_factory=dict)
    default_family: str = "Other"
    segments: Segments = Segments(high=10000, medium=5000)
    top_customers: int = Field(default=10, gt=0)
    marts: MartRefresh = MartRefresh()
    fact_table_properties: dict[str, str] = Field(default_factory=dict)
    lineage: dict[str, list[str]] = Field(
        default_factory=dict, description="'<zone>.<table>' of the model -> the tables it is built from"
    )

    @model_validator(mode="after")
    def _one_family_per_category(self) -> RetailRules:
        seen: dict[str, str] = {}
        for family, categories in self.product_families.items():
            for category in categories:
                if category in seen:
                    raise ValueError(
                        f"product_families: category '{category}' is in both '{seen[category]}' and '{family}'"
                    )
                seen[category] = family
        return self

    @model_validator(mode="after")
    def _lineage_covers_the_model(self) -> RetailRules:
        if not self.lineage:
            return self
        from spark_apps.model_tables import CURATED_TABLES, MART_PARTITIONS, RAW_SOURCES

        built = {f"curated.{t}" for t in CURATED_TABLES} | {f"marts.{m}" for m in MART_PARTITIONS}
        if missing := sorted(built - set(self.lineage)):
            raise ValueError(f"lineage: no inputs given for {', '.join(missing)}")
        if unknown := sorted(set(self.lineage) - built):
            raise ValueError(f"lineage: {', '.join(unknown)} is not a table the model builds")
        known_inputs = built | {f"raw.{s}" for s in RAW_SOURCES}
        for table, inputs in self.lineage.items():
            if bad := [i for i in inputs if i not in known_inputs]:
                raise ValueError(f"lineage.{table}: unknown input(s) {', '.join(bad)}")
        return self

    def family_of(self) -> dict[str, str]:
        """Category -> family, the inverse of ``product_families``."""
        return {c: family for family, categories in self.product_families.items() for c in categories}


# --------------------------------------------------------------------------- rolling account summary

_SQL_TYPE = r"^(string|int|long|double|date|timestamp|decimal\(\d+,\d+\))$"
_IDENT = r"^[a-z_][a-z0-9_]*$"


class SummaryKeys(_Strict):
    account: str = Field(pattern=_IDENT)
    month: str = Field(pattern=_IDENT, description="report month column, text YYYY-MM")
    order: str = Field(pattern=_IDENT, description="the latest value of this column wins per (account, month)")


class RollingColumn(_Strict):
    name: str = Field(pattern=_IDENT)
    source: str = Field(pattern=_IDENT)
    type: str = Field(pattern=_SQL_TYPE)


class InvalidValueRule(_Strict):
    """A source value breaking the rule counts as missing (null) for that month, never as a wrong number."""

    column: str = Field(pattern=_IDENT)
    accepted: list[str] | None = None
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _some_rule(self) -> InvalidValueRule:
        if self.accepted is None and self.min is None and self.max is None:
            raise ValueError(f"rule for '{self.column}' needs accepted, min or max")
        return self


class GridColumn(_Strict):
    name: str = Field(pattern=_IDENT)
    source: str = Field(pattern=_IDENT, description="a rolling column of type string")
    missing: str = Field("?", min_length=1, max_length=1)


class SummaryConfig(_Strict):
    source_table: str = Field(pattern=r"^[a-z_]+\.[a-z_]+$")
    summary_table: str = Field(pattern=r"^[a-z_]+\.[a-z_]+$")
    latest_table: str = Field(pattern=r"^[a-z_]+\.[a-z_]+$")
    history_length: int = Field(36, ge=2, le=120)
    keys: SummaryKeys
    carry_columns: list[str] = []
    rolling_columns: list[RollingColumn] = Field(min_length=1)
    invalid_values: list[InvalidValueRule] = []
    grid_columns: list[GridColumn] = []
    table_properties: dict[str, str] = {}

    @model_validator(mode="after")
    def _consistent(self) -> SummaryConfig:
        rolling = {c.name: c for c in self.rolling_columns}
        if len(rolling) != len(self.rolling_columns):
            raise ValueError("rolling_columns: names must be unique")
        sources = {c.source for c in self.rolling_columns}
        for rule in self.invalid_values:
            if rule.column not in sources:
                raise ValueError(f"invalid_values: '{rule.column}' is not the source of a rolling column")
        for grid in self.grid_columns:
            if grid.source not in rolling or rolling[grid.source].type != "string":
                raise ValueError(f"grid_columns: '{grid.source}' must be a rolling column of type string")
        return self


# --------------------------------------------------------------------------- data-quality suites

_TABLE = r"^[a-z_]+\.[a-z_][a-z0-9_]*$"
_COLUMN = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Check(_Strict):
    """Common to every check: a unique name (what quarantined rows and results carry), a level (an
    ``error`` below the pass-rate threshold fails the gate, a ``warning`` only reports) and an optional
    pass-rate threshold of its own."""

    name: str = Field(pattern=_IDENT)
    description: str = ""
    level: Literal["error", "warning"] = "error"
    min_pass_rate: float | None = Field(default=None, ge=0, le=1)

    ROW_LEVEL: ClassVar[bool] = True


class _RowCheck(_Check):
    quarantine: bool = Field(default=True, description="rows failing this rule are split off to quarantine")


class CompletenessCheck(_RowCheck):
    kind: Literal["completeness"]
    column: str = _COLUMN


class UniquenessCheck(_RowCheck):
    kind: Literal["uniqueness"]
    columns: list[Annotated[str, _COLUMN]] = Field(min_length=1)


class AcceptedValuesCheck(_RowCheck):
    kind: Literal["accepted_values"]
    column: str = _COLUMN
    values: list[str] = Field(min_length=1)


class PatternCheck(_RowCheck):
    kind: Literal["pattern"]
    column: str = _COLUMN
    pattern: str = Field(min_length=1, description="Java regex; a row passes when it is found in the value")
    allow_null: bool = Field(default=False, description="a null value passes (Deequ's isNullAllowed)")

    @model_validator(mode="after")
    def _compiles(self) -> PatternCheck:
        try:
            re.compile(self.pattern)
        except re.error as exc:
            raise ValueError(f"check '{self.name}': pattern does not compile: {exc}") from None
        return self


class RangeCheck(_RowCheck):
    kind: Literal["range"]
    column: str = _COLUMN
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _bounded(self) -> RangeCheck:
        if self.min is None and self.max is None:
            raise ValueError(f"check '{self.name}': range needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"check '{self.name}': min {self.min} is above max {self.max}")
        return self


class NonNegativeCheck(_RowCheck):
    kind: Literal["non_negative"]
    column: str = _COLUMN


class PositiveCheck(_RowCheck):
    kind: Literal["positive"]
    column: str = _COLUMN


class SqlCheck(_RowCheck):
    kind: Literal["sql"]
    predicate: str = Field(min_length=1, description="Spark SQL boolean expression over the row; NULL fails")


class ReferentialIntegrityCheck(_RowCheck):
    kind: Literal["referential_integrity"]
    columns: list[Annotated[str, _COLUMN]] = Field(min_length=1)
    reference: str = Field(pattern=_TABLE, description="namespace.table in the lake catalog")
    reference_columns: list[Annotated[str, _COLUMN]] = Field(min_length=1)

    @model_validator(mode="after")
    def _same_width(self) -> ReferentialIntegrityCheck:
        if len(self.columns) != len(self.reference_columns):
            raise ValueError(f"check '{self.name}': columns and reference_columns differ in length")
        return self


class Scd2PeriodsCheck(_RowCheck):
    """An SCD2 table's history is sound: per key, each version's period is non-empty and ends where the
    next begins (no overlap, no gap), and exactly the last version is current and open-ended."""

    kind: Literal["scd2_periods"]
    keys: list[Annotated[str, _COLUMN]] = Field(min_length=1)
    valid_from: str = Field(default="valid_from", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    valid_to: str = Field(default="valid_to", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    is_current: str = Field(default="is_current", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    open_end: dt.date = dt.date(9999, 12, 31)


class FreshnessCheck(_Check):
    kind: Literal["freshness"]
    column: str = _COLUMN
    max_age_days: float = Field(gt=0, description="the newest value must be at most this old at the run's date")

    ROW_LEVEL: ClassVar[bool] = False


class RowCountCheck(_Check):
    kind: Literal["row_count"]
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)

    ROW_LEVEL: ClassVar[bool] = False

    @model_validator(mode="after")
    def _bounded(self) -> RowCountCheck:
        if self.min is None and self.max is None:
            raise ValueError(f"check '{self.name}': row_count needs min, max or both")
        return self


QualityCheck = Annotated[
    CompletenessCheck
    | UniquenessCheck
    | AcceptedValuesCheck
    | PatternCheck
    | RangeCheck
    | NonNegativeCheck
    | PositiveCheck
    | SqlCheck
    | ReferentialIntegrityCheck
    | Scd2PeriodsCheck
    | FreshnessCheck
    | RowCountCheck,
    Field(discriminator="kind"),
]


class AnomalyRule(_Strict):
    """A metric compared with the mean of its last ``history`` runs: a relative change beyond the bounds
    (0.5 = 50 %) is an anomaly, reported at ``level``."""

    metric: Literal["row_count", "null_rate"]
    column: str | None = None
    max_decrease: float | None = Field(default=None, ge=0)
    max_increase: float | None = Field(default=None, ge=0)
    history: int = Field(default=5, gt=0)
    level: Literal["error", "warning"] = "warning"

    @model_validator(mode="after")
    def _consistent(self) -> AnomalyRule:
        if (self.metric == "null_rate") != (self.column is not None):
            raise ValueError("null_rate needs 'column'; row_count takes none")
        if self.max_decrease is None and self.max_increase is None:
            raise ValueError(f"anomaly on {self.metric}: give max_decrease, max_increase or both")
        return self

    @property
    def name(self) -> str:
        return f"anomaly_{self.metric}" + (f"_{self.column}" if self.column else "")


class TableSuite(_Strict):
    """The checks of one table in one layer (``config/domains/<domain>/quality/<namespace>.<table>.yaml``)."""

    table: str = Field(pattern=_TABLE)
    layer: Layer
    description: str = ""
    min_pass_rate: float | None = Field(default=None, ge=0, le=1, description="overrides the layer's threshold")
    checks: list[QualityCheck] = Field(min_length=1)
    anomalies: list[AnomalyRule] = []

    @model_validator(mode="after")
    def _unique_names(self) -> TableSuite:
        names = [c.name for c in self.checks] + [a.name for a in self.anomalies]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"check names must be unique within a suite: {dupes}")
        return self

    @property
    def namespace(self) -> str:
        return self.table.split(".", 1)[0]

    @property
    def table_name(self) -> str:
        return self.table.split(".", 1)[1]

    def quarantining(self) -> list[_Check]:
        """The row-level checks whose failing rows are split off to quarantine."""
        return [c for c in self.checks if c.ROW_LEVEL and isinstance(c, _RowCheck) and c.quarantine]

    def threshold(self, check: _Check, layer_default: float) -> float:
        """A check's own threshold, else the suite's, else the layer's."""
        for rate in (check.min_pass_rate, self.min_pass_rate):
            if rate is not None:
                return rate
        return layer_default


class JvmPackages(_Strict):
    """``config/jvm_packages.yaml``: every JVM dependency pinned by Maven coordinate, by name."""

    packages: dict[str, str]
    excludes: list[str] = Field(default=[], description="group:artifact never resolved (not served, not needed).")

    @model_validator(mode="after")
    def _coordinates(self) -> JvmPackages:
        for name, coordinate in self.packages.items():
            if len(coordinate.split(":")) != 3:
                raise ValueError(f"packages.{name}: '{coordinate}' is not group:artifact:version")
        for exclude in self.excludes:
            if len(exclude.split(":")) != 2:
                raise ValueError(f"excludes: '{exclude}' is not group:artifact")
        return self

    def coordinates(self, names: list[str]) -> list[str]:
        return [self.packages[n] for n in names]


# --------------------------------------------------------------------------- loading


def config_dir() -> Path:
    return Path(os.environ.get(CONFIG_DIR_VAR, PROJECT_ROOT / "config"))


def _interpolate(value: Any) -> Any:
    """Expand ``${VAR}`` and ``${VAR:-default}`` in string values, so secrets and buckets stay in env vars."""
    if isinstance(value, str):

        def repl(m: re.Match[str]) -> str:
            var, default = m.group(1), m.group(2)
            if var in os.environ:
                return os.environ[var]
            if default is None:
                raise KeyError(var)
            return default

        return _INTERPOLATION.sub(repl, value)
    if isinstance(value, dict):
        return {k: _interpolate(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v) for v in value]
    return value


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"{path}: file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: top level must be a mapping")
    try:
        return _interpolate(raw)
    except KeyError as exc:
        raise ConfigError(f"{path}: environment variable {exc.args[0]} is not set and has no default") from exc


def _validate(model: type[M], data: dict[str, Any], path: Path) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{path}: {problems}") from None


def _resolve_local(value: str | None) -> str | None:
    """Relative local paths are relative to the project root; URIs pass through."""
    if value is None or "://" in value or Path(value).is_absolute():
        return value
    return str((PROJECT_ROOT / value).resolve())


def load_jvm_packages() -> JvmPackages:
    path = config_dir() / "jvm_packages.yaml"
    return _validate(JvmPackages, _read_yaml(path), path)


def environment_names() -> list[str]:
    return sorted(p.stem for p in (config_dir() / "environments").glob("*.yaml"))


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        out[key] = _deep_merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _env_data(env_name: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """An environment's YAML; with ``extends: <other>`` it is the other's, overridden key by key."""
    path = config_dir() / "environments" / f"{env_name}.yaml"
    data = _read_yaml(path)
    base = data.pop("extends", None)
    if base is None:
        return data
    if base in (*seen, env_name):
        raise ConfigError(f"{path}: extends: '{base}' extends itself ({' -> '.join((*seen, env_name, base))})")
    return _deep_merge(_env_data(str(base), (*seen, env_name)), data)


def load_env(name: str | None = None) -> EnvConfig:
    """Load ``config/environments/<PIPELINE_ENV>.yaml`` (default ``dev``), validated."""
    env_name = name or os.environ.get(ENV_VAR, DEFAULT_ENV)
    path = config_dir() / "environments" / f"{env_name}.yaml"
    data = _env_data(env_name)
    data["name"] = env_name
    cfg = _validate(EnvConfig, data, path)
    known = load_jvm_packages().packages
    unknown = [n for n in cfg.spark.jvm_packages if n not in known]
    if unknown:
        raise ConfigError(f"{path}: spark.jvm_packages: {unknown} not in config/jvm_packages.yaml ({sorted(known)})")
    return cfg.model_copy(
        update={
            "lake": cfg.lake.model_copy(update={"root": _resolve_local(cfg.lake.root)}),
            "catalog": cfg.catalog.model_copy(update={"warehouse": _resolve_local(cfg.catalog.warehouse)}),
            "warehouse": cfg.warehouse.model_copy(update={"duckdb_path": _resolve_local(cfg.warehouse.duckdb_path)}),
            "spark": cfg.spark.model_copy(
                update={
                    "py_files": _resolve_local(cfg.spark.py_files),
                    "apps_root": _resolve_local(cfg.spark.apps_root),
                }
            ),
        }
    )


def load_contract(path: Path) -> SourceContract:
    contract = _validate(SourceContract, _read_yaml(path), path)
    if contract.name != path.stem:
        raise ConfigError(f"{path}: name: '{contract.name}' must match the file name '{path.stem}'")
    return contract


DOMAINS_DIR = "domains"


def domain_names(root: Path | None = None) -> list[str]:
    """The domains under ``config/domains``: every folder that declares itself with a ``domain.yaml``."""
    base = (root or config_dir()) / DOMAINS_DIR
    return sorted(p.parent.name for p in base.glob("*/domain.yaml"))


def domain_files(kind: str, root: Path | None = None) -> list[Path]:
    """Every domain's ``<kind>/*.yaml`` (sources, quality), in domain then file-name order."""
    base = root or config_dir()
    return [p for d in domain_names(base) for p in sorted((base / DOMAINS_DIR / d / kind).glob("*.yaml"))]


def domain_of(path: Path) -> str:
    """The domain a declaration file belongs to (``config/domains/<domain>/<kind>/<file>``)."""
    return path.parents[1].name


def _unique_by_stem(paths: list[Path], what: str) -> dict[str, Path]:
    """Names are global across domains (``raw.<source>`` is one table): a name declared twice is an error
    naming both files, never a silent override."""
    seen: dict[str, Path] = {}
    for path in paths:
        if path.stem in seen:
            raise ConfigError(f"{path}: {what} '{path.stem}' is already declared in {seen[path.stem]}")
        seen[path.stem] = path
    return seen


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


class FreshnessSlas(_Strict):
    """``config/freshness.yaml``: hours each table may go without a commit."""

    tables: dict[Annotated[str, Field(pattern=r"^[a-z_]+\.[a-z0-9_]+$")], Annotated[float, Field(gt=0)]]


def load_freshness_slas() -> FreshnessSlas:
    path = config_dir() / "freshness.yaml"
    return _validate(FreshnessSlas, _read_yaml(path), path)


def load_retail_rules() -> RetailRules:
    path = config_dir() / DOMAINS_DIR / "retail" / "rules.yaml"
    return _validate(RetailRules, _read_yaml(path), path)


def load_summary_config(path: Path | None = None) -> SummaryConfig:
    """``config/domains/credit/account_summary.json`` (JSON is YAML, so one reader validates both)."""
    path = path or config_dir() / DOMAINS_DIR / "credit" / "account_summary.json"
    return _validate(SummaryConfig, _read_yaml(path), path)


RAW_AUDIT_COLUMNS = ("_extra", "_batch_id", "_source_file", "_line", "_run_id", "_ingested_at", "_ingest_date")


def load_suite(path: Path) -> TableSuite:
    """A suite, validated; a raw table's suite is also checked against its source contract's columns."""
    suite = _validate(TableSuite, _read_yaml(path), path)
    if suite.table != path.stem:
        raise ConfigError(f"{path}: table: '{suite.table}' must match the file name '{path.stem}'")
    if suite.namespace == "raw":
        contract = load_contracts().get(suite.table_name)
        if contract is None:
            raise ConfigError(f"{path}: table: no source contract '{suite.table_name}' in any domain's sources")
        known = {name for name, _ in contract.output_columns} | set(RAW_AUDIT_COLUMNS)
        for i, check in enumerate(suite.checks):
            for attr in ("column", "columns"):
                value = getattr(check, attr, None)
                for col in [value] if isinstance(value, str) else value or []:
                    if col not in known:
                        raise ConfigError(
                            f"{path}: checks.{i}.{attr}: '{col}' is not a column of source '{contract.name}'"
                        )
    return suite


@cache
def _suites_in(root: Path) -> dict[str, TableSuite]:
    paths = _unique_by_stem(domain_files("quality", root), "quality suite")
    return {name: load_suite(path) for name, path in paths.items()}


def load_suites(layer: str | None = None) -> dict[str, TableSuite]:
    """Every domain's quality suites (``config/domains/<domain>/quality``), keyed by ``namespace.table``;
    optionally one layer's."""
    suites = _suites_in(config_dir())
    return {t: s for t, s in suites.items() if layer is None or s.layer == layer}


def suite_domains() -> dict[str, str]:
    """``namespace.table`` of each suite -> the domain that declares it."""
    return {p.stem: domain_of(p) for p in domain_files("quality")}


def suite_for(table: str) -> TableSuite | None:
    """The suite of ``namespace.table``, or None when the table has no checks."""
    return load_suites().get(table)
