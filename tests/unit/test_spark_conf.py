"""The Spark settings derived from config: jar discovery, catalogs, user overrides."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from spark_apps.config import CatalogConfig, ConfigError, load_env, load_jvm_packages
from spark_apps.jvm_deps import CACHE_VAR, cache_dir, cached_jars, class_data_archive
from spark_apps.spark_conf import ICEBERG_EXTENSIONS, catalog_conf, maven_libraries, spark_conf


def test_every_pinned_package_is_one_coordinate_and_deequ_is_the_build_maven_central_serves():
    packages = load_jvm_packages()

    assert packages.packages["deequ"] == "com.amazon.deequ:deequ:2.1.0-spark-3.5"
    assert packages.packages["s3a"] == "org.apache.hadoop:hadoop-aws:3.3.4"  # pyspark 3.5.9's Hadoop
    assert packages.packages["iceberg"].startswith("org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:")
    assert packages.packages["delta"].startswith("io.delta:delta-spark_2.12:3.3.")
    assert "software.amazon.glue:dqdl" in packages.excludes


def test_the_resolved_cache_holds_each_local_package_with_its_dependencies():
    # given: the cache `make install` filled
    iceberg, deequ = (
        cached_jars([load_jvm_packages().packages["iceberg"]]),
        cached_jars([load_jvm_packages().packages["deequ"]]),
    )

    # then: real jar files, Iceberg's Scala 2.12 runtime alone, Deequ with its own dependencies
    assert [Path(j).name for j in iceberg] == ["org.apache.iceberg_iceberg-spark-runtime-3.5_2.12-1.10.0.jar"]
    assert Path(deequ[0]).name == "com.amazon.deequ_deequ-2.1.0-spark-3.5.jar"
    assert len(deequ) > 1 and all(Path(j).is_file() for j in iceberg + deequ)
    assert not [j for j in deequ if "dqdl" in j or "spark-core" in j]


def test_a_coordinate_missing_from_the_cache_fails_naming_it(tmp_path):
    with pytest.raises(ConfigError, match=r"com.example:nothing:1.0 is not in the local JVM cache .*make install"):
        cached_jars(["com.example:nothing:1.0"], tmp_path)


def test_an_unknown_package_name_fails_at_load_naming_the_file(config_copy):
    env_file = config_copy / "environments" / "dev.yaml"
    env_file.write_text(env_file.read_text().replace("jvm_packages: [iceberg, deequ]", "jvm_packages: [iceberg, dequ]"))

    with pytest.raises(ConfigError, match=r"dev.yaml: spark.jvm_packages: \['dequ'\] not in config/jvm_packages.yaml"):
        load_env("dev")


def test_dev_conf_puts_jars_catalog_and_interpreter_in_place():
    conf = spark_conf(load_env("dev"))
    packages = load_jvm_packages().packages

    assert conf["spark.jars"].split(",") == cached_jars([packages["iceberg"], packages["deequ"]])
    assert conf["spark.sql.extensions"] == ICEBERG_EXTENSIONS
    assert conf["spark.sql.catalog.lake"] == "org.apache.iceberg.spark.SparkCatalog"
    assert conf["spark.sql.catalog.lake.type"] == "hadoop"
    assert conf["spark.pyspark.python"] == sys.executable
    assert "spark.jars.packages" not in conf


def test_prod_conf_uses_packages_and_glue_not_local_jars():
    conf = spark_conf(load_env("prod"))

    assert "spark.jars" not in conf
    assert conf["spark.jars.packages"].split(",") == [
        "org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:1.10.0",
        "org.apache.iceberg:iceberg-aws-bundle:1.10.0",
        "com.amazon.deequ:deequ:2.1.0-spark-3.5",
    ]
    assert conf["spark.jars.excludes"] == "software.amazon.glue:dqdl,net.sourceforge.f2j:arpack_combined_all"
    assert conf["spark.sql.catalog.lake.catalog-impl"] == "org.apache.iceberg.aws.glue.GlueCatalog"
    assert conf["spark.sql.catalog.lake.io-impl"] == "org.apache.iceberg.aws.s3.S3FileIO"
    assert conf["spark.executor.instances"] == "4"
    assert "spark.pyspark.python" not in conf


def test_databricks_gets_the_same_coordinates_as_maven_libraries():
    libraries = maven_libraries(load_env("databricks"))

    assert libraries == [
        {
            "maven": {
                "coordinates": "com.amazon.deequ:deequ:2.1.0-spark-3.5",
                "exclusions": ["software.amazon.glue:dqdl", "net.sourceforge.f2j:arpack_combined_all"],
            }
        }
    ]


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


@pytest.fixture
def archive_in(tmp_path, monkeypatch):
    """A JVM cache with the real one's jars whose class-data archive exists (an empty file: the conf only
    checks that it is there)."""
    real = cache_dir()
    (tmp_path / "ivy").symlink_to(real / "ivy")
    (tmp_path / "resolved.json").write_bytes((real / "resolved.json").read_bytes())
    monkeypatch.setenv(CACHE_VAR, str(tmp_path))
    archive = class_data_archive(tmp_path)
    archive.parent.mkdir(parents=True)
    archive.write_bytes(b"")
    return archive


def test_a_local_driver_maps_the_class_data_archive_before_the_users_own_options(archive_in):
    # given: the test environment, whose user conf adds a JVM option of its own
    env = load_env("test")
    env.spark.conf["spark.driver.extraJavaOptions"] = "-Dexample=1"

    # when: the conf is derived
    options = spark_conf(env)["spark.driver.extraJavaOptions"].split()

    # then: the archive comes first and its failures are silenced; the user's options follow, so theirs win
    assert options[:2] == [f"-XX:SharedArchiveFile={archive_in}", "-Xlog:cds*=off"]
    assert options[2:] == ["-Dexample=1"]


def test_no_archive_option_without_the_archive_or_for_clusters_and_databricks(archive_in, monkeypatch):
    # given: environments that must not get the option (and no driver options of the user's)
    monkeypatch.delenv("PIPELINE_DRIVER_JAVA_OPTIONS", raising=False)
    dev = load_env("dev")
    opted_out = dev.model_copy(update={"spark": dev.spark.model_copy(update={"class_data_sharing": False})})
    remote = [load_env(name) for name in ("prod", "kubernetes", "databricks")]

    # when / then: a cluster resolves its own jars and has no such file; the option is also off on request
    assert "spark.driver.extraJavaOptions" not in spark_conf(opted_out)
    assert all("SharedArchiveFile" not in spark_conf(e).get("spark.driver.extraJavaOptions", "") for e in remote)

    # and: with no archive in the cache (never dumped), a local driver starts without one
    archive_in.unlink()
    assert "SharedArchiveFile" not in spark_conf(load_env("dev")).get("spark.driver.extraJavaOptions", "")


def test_the_dev_environment_adds_the_driver_options_make_demo_gives_it(archive_in, monkeypatch):
    # given: make demo's option for its short jobs, as it sets it
    monkeypatch.setenv("PIPELINE_DRIVER_JAVA_OPTIONS", "-XX:TieredStopAtLevel=1")

    # when: the dev conf is derived
    options = spark_conf(load_env("dev"))["spark.driver.extraJavaOptions"].split()

    # then: the archive, then the option
    assert options == [f"-XX:SharedArchiveFile={archive_in}", "-Xlog:cds*=off", "-XX:TieredStopAtLevel=1"]

    # and: without it (the day's landing batch, your own runs), the driver keeps the JIT's defaults
    monkeypatch.delenv("PIPELINE_DRIVER_JAVA_OPTIONS")
    assert spark_conf(load_env("dev"))["spark.driver.extraJavaOptions"].split() == options[:2]


def test_the_archive_make_install_dumped_maps_onto_sparks_own_classpath():
    # given: the archive `make install` wrote, and the classpath spark-submit starts a driver with
    from pyspark.find_spark_home import _find_spark_home

    archive = class_data_archive()
    home = Path(_find_spark_home())
    classpath = f"{home / 'conf'}{os.pathsep}{home / 'jars' / '*'}"

    # when: a JVM must use it (-Xshare:on fails when an archive does not fit the JVM or the classpath)
    proc = subprocess.run(
        ["java", "-Xshare:on", f"-XX:SharedArchiveFile={archive}", "-cp", classpath, "-version"],
        capture_output=True,
        text=True,
    )

    # then
    assert archive.is_file(), f"no archive at {archive}: run `make install`"
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "sharing" in proc.stderr
