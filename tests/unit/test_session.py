"""The session helpers every job uses: runtime SQL settings scoped to a block; the driver JVM's start-up options."""

from __future__ import annotations

import pytest

from spark_apps.session import sql_conf

pytestmark = pytest.mark.spark


def test_sql_conf_holds_only_inside_its_block(spark):
    key = "spark.sql.execution.useObjectHashAggregateExec"
    spark.conf.unset(key)
    with sql_conf(spark, {key: "false"}):
        assert spark.conf.get(key) == "false"
    assert spark.conf.get(key) == "true"  # Spark's default again, not a leftover

    partitions = "spark.sql.shuffle.partitions"
    session_value = spark.conf.get(partitions)
    with pytest.raises(RuntimeError), sql_conf(spark, {partitions: "7"}):
        raise RuntimeError("a failing step")
    assert spark.conf.get(partitions) == session_value


def test_the_test_session_driver_started_with_the_class_data_archive(spark):
    # given: the session every test shares, built from the test environment
    from spark_apps.jvm_deps import class_data_archive

    # when: its JVM is asked for the options it started with
    bean = spark.sparkContext._jvm.java.lang.management.ManagementFactory.getRuntimeMXBean()
    arguments = list(bean.getInputArguments())

    # then: it mapped the archive `make install` dumped, and runs C1 only as the suite asks (conftest.py)
    assert f"-XX:SharedArchiveFile={class_data_archive()}" in arguments
    assert "-XX:TieredStopAtLevel=1" in arguments
