"""Spark configuration derived from the environment config, without importing pyspark.

One function serves both consumers: the Airflow task factory passes it to ``spark-submit --conf``
(so jars are on the classpath when the JVM starts), and the in-process session builder applies it
to ``SparkSession.builder`` (tests, notebooks).
"""

from __future__ import annotations

import sys

from spark_apps.config import CatalogConfig, EnvConfig, load_jvm_packages
from spark_apps.jvm_deps import cached_jars, startup_java_options

ICEBERG_EXTENSIONS = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"
DELTA_EXTENSIONS = "io.delta.sql.DeltaSparkSessionExtension"
DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog"


def catalog_conf(catalog: CatalogConfig, table_format: str) -> dict[str, str]:
    """``spark.sql.catalog.<name>.*`` for Iceberg (hadoop, glue, rest) or Delta (unity)."""
    prefix = f"spark.sql.catalog.{catalog.name}"
    if table_format == "delta":
        # the session catalog (spark_conf) or, on Databricks, the workspace's: nothing to register
        return {}
    conf = {prefix: "org.apache.iceberg.spark.SparkCatalog"}
    if catalog.type == "hadoop":
        conf[f"{prefix}.type"] = "hadoop"
    elif catalog.type == "glue":
        conf[f"{prefix}.catalog-impl"] = "org.apache.iceberg.aws.glue.GlueCatalog"
        conf[f"{prefix}.io-impl"] = "org.apache.iceberg.aws.s3.S3FileIO"
    elif catalog.type == "rest":
        conf[f"{prefix}.type"] = "rest"
        conf[f"{prefix}.uri"] = str(catalog.uri)
    if catalog.warehouse:
        conf[f"{prefix}.warehouse"] = catalog.warehouse
    conf.update({f"{prefix}.{k}": v for k, v in catalog.properties.items()})
    return conf


def jvm_conf(env: EnvConfig) -> dict[str, str]:
    """The jars of ``spark.jvm_packages``: local files from the cache, or coordinates for the cluster."""
    packages = load_jvm_packages()
    coordinates = packages.coordinates(env.spark.jvm_packages)
    jars, maven = list(env.spark.jars), list(env.spark.packages)
    if env.spark.jvm_source == "cache":
        jars = cached_jars(coordinates) + jars
    else:
        maven = coordinates + maven
    conf = {}
    if jars:
        conf["spark.jars"] = ",".join(jars)
    if maven:
        conf["spark.jars.packages"] = ",".join(maven)
        if packages.excludes:
            conf["spark.jars.excludes"] = ",".join(packages.excludes)
    return conf


def maven_libraries(env: EnvConfig) -> list[dict]:
    """The jvm_packages as Databricks cluster libraries (Jobs API ``maven`` entries, with the excludes)."""
    packages = load_jvm_packages()
    spec: dict = {"exclusions": list(packages.excludes)} if packages.excludes else {}
    return [{"maven": {"coordinates": c, **spec}} for c in packages.coordinates(env.spark.jvm_packages)]


def table_formats(env: EnvConfig) -> set[str]:
    """The table formats a session can use: the environment's own, and any whose jar it ships."""
    return {env.table_format} | ({"iceberg", "delta"} & set(env.spark.jvm_packages))


def spark_conf(env: EnvConfig) -> dict[str, str]:
    """Every Spark setting the pipelines need; user ``spark.conf`` entries win."""
    conf: dict[str, str] = {
        "spark.sql.session.timeZone": "UTC",
        # Unparseable dates become null (and are quarantined) instead of raising upgrade exceptions.
        "spark.sql.legacy.timeParserPolicy": "CORRECTED",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
        "spark.ui.showConsoleProgress": "false",
        # HotSpot never JIT-compiles a method over 8,000 bytes of bytecode, so a wide generated stage
        # (the ingest's typing with its per-column reasons) ran interpreted: 7.3 s instead of 3.3 s for
        # 1M rows (bench/README.md). At 8000 Spark generates per-operator code for such stages instead,
        # as the Spark docs advise for HotSpot.
        "spark.sql.codegen.hugeMethodLimit": "8000",
    }
    formats = table_formats(env)
    conf["spark.sql.extensions"] = ",".join(
        ext for fmt, ext in (("iceberg", ICEBERG_EXTENSIONS), ("delta", DELTA_EXTENSIONS)) if fmt in formats
    )
    if "delta" in formats and env.catalog.type != "unity" and env.catalog.warehouse:
        # Delta tables as folders under the warehouse, in Spark's session catalog (TableIO registers them)
        conf.update(
            {"spark.sql.catalog.spark_catalog": DELTA_CATALOG, "spark.sql.warehouse.dir": env.catalog.warehouse}
        )
    conf.update(catalog_conf(env.catalog, env.table_format))

    conf.update(jvm_conf(env))
    if env.spark.python == "current":
        conf["spark.pyspark.python"] = sys.executable
        conf["spark.pyspark.driver.python"] = sys.executable
    conf.update({k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in env.spark.conf.items()})
    # the archive's options before the user's, so theirs win where they overlap; an empty
    # ${PIPELINE_DRIVER_JAVA_OPTIONS:-} in the config adds nothing
    options = [*startup_java_options(env), conf.pop("spark.driver.extraJavaOptions", "")]
    if joined := " ".join(o for o in options if o.strip()):
        conf["spark.driver.extraJavaOptions"] = joined
    return conf
