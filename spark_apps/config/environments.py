"""Environments (``config/environments/<name>.yaml``): lake, catalog, Spark, warehouse, Airflow, quality,
maintenance, PII and alerts settings, with ``extends`` and ``${VAR:-default}``; the pinned JVM packages."""

from __future__ import annotations

import os
import re
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from spark_apps.config.base import (
    DEFAULT_ENV,
    ENV_VAR,
    ConfigError,
    _read_yaml,
    _resolve_local,
    _Strict,
    _validate,
    config_dir,
)


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
    class_data_sharing: bool = Field(
        default=True,
        description="jvm_source cache: local drivers map the archive of Spark's classes `make install` dumps.",
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
        default_factory=lambda: {  # type: ignore[arg-type]  # the keys are Zone literals; mypy widens them to str
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
        """Fully qualified table name, e.g. ``lake.raw.<source>``."""
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
