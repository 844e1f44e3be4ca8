"""The Spark settings derived from config: jar discovery, catalogs, user overrides."""

from __future__ import annotations

import sys
from pathlib import Path

from spark_apps.config import CatalogConfig, load_env
from spark_apps.spark_conf import ICEBERG_EXTENSIONS, bundled_iceberg_jar, catalog_conf, spark_conf


def test_bundled_iceberg_jar_is_the_scala_2_12_runtime():
    jar = Path(bundled_iceberg_jar())

    assert jar.is_file()
    assert jar.name.startswith("iceberg-spark-runtime-3.5_2.12-")


def test_dev_conf_puts_jar_catalog_and_interpreter_in_place():
    conf = spark_conf(load_env("dev"))

    assert conf["spark.jars"] == bundled_iceberg_jar()
    assert conf["spark.sql.extensions"] == ICEBERG_EXTENSIONS
    assert conf["spark.sql.catalog.lake"] == "org.apache.iceberg.spark.SparkCatalog"
    assert conf["spark.sql.catalog.lake.type"] == "hadoop"
    assert conf["spark.pyspark.python"] == sys.executable
    assert "spark.jars.packages" not in conf


def test_prod_conf_uses_packages_and_glue_not_local_jars():
    conf = spark_conf(load_env("prod"))

    assert "spark.jars" not in conf
    assert "org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:1.10.0" in conf["spark.jars.packages"]
    assert conf["spark.sql.catalog.lake.catalog-impl"] == "org.apache.iceberg.aws.glue.GlueCatalog"
    assert conf["spark.sql.catalog.lake.io-impl"] == "org.apache.iceberg.aws.s3.S3FileIO"
    assert conf["spark.executor.instances"] == "4"
    assert "spark.pyspark.python" not in conf


def test_rest_catalog_conf():
    conf = catalog_conf(CatalogConfig(name="c", type="rest", uri="http://cat:8181", properties={"x": "1"}), "iceberg")

    assert conf == {
        "spark.sql.catalog.c": "org.apache.iceberg.spark.SparkCatalog",
        "spark.sql.catalog.c.type": "rest",
        "spark.sql.catalog.c.uri": "http://cat:8181",
        "spark.sql.catalog.c.x": "1",
    }


def test_user_conf_wins_and_booleans_are_spark_style():
    env = load_env("test")

    conf = spark_conf(env)

    assert conf["spark.sql.shuffle.partitions"] == "2"
    assert conf["spark.ui.enabled"] == "false"


def test_generated_methods_stay_within_what_hotspot_compiles_unless_the_user_says_otherwise():
    # given: the shipped environments, and one whose user conf sets its own limit
    shipped = [spark_conf(load_env(name)) for name in ("dev", "test", "prod", "kubernetes")]
    env = load_env("test")
    env.spark.conf["spark.sql.codegen.hugeMethodLimit"] = 65535

    # when: the conf is derived
    overridden = spark_conf(env)

    # then: whole-stage code over HotSpot's 8,000-byte JIT limit falls back, and the user's value wins
    assert {c["spark.sql.codegen.hugeMethodLimit"] for c in shipped} == {"8000"}
    assert overridden["spark.sql.codegen.hugeMethodLimit"] == "65535"
