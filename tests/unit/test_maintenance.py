"""Retention policies: what maintenance deletes and expires, and how config is validated."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from spark_apps.config import ConfigError, ZoneRetention, load_env
from spark_apps.maintenance import expired_batches_predicate, retention_options
from spark_apps.table_io import compaction_sql, expiry_sql

NOW = dt.datetime(2026, 3, 10, 12, 30, 0)


def test_batches_past_retention_are_counted_back_from_the_runs_date():
    policy = ZoneRetention(partition_retention_days=90)

    assert expired_batches_predicate("raw", policy, dt.date(2026, 3, 31)) == "_ingest_date < DATE '2025-12-31'"
    assert expired_batches_predicate("quarantine", policy, dt.date(2026, 3, 31)) == "_ingest_date < DATE '2025-12-31'"


def test_zones_without_batch_partitions_or_without_a_policy_delete_nothing():
    day = dt.date(2026, 3, 31)
    assert expired_batches_predicate("curated", ZoneRetention(partition_retention_days=90), day) is None
    assert expired_batches_predicate("raw", ZoneRetention(), day) is None


def test_snapshot_and_orphan_cutoffs_are_wall_clock_ages():
    policy = ZoneRetention(snapshot_retention_days=7, retain_last=3, orphan_retention_days=2)

    options = retention_options(policy, NOW.replace(microsecond=250))

    assert options == {
        "snapshots_older_than": "2026-03-03 12:30:00.000250",
        "orphans_older_than": "2026-03-08 12:30:00.000250",
        "retain_last": 3,
        "retain_hours": 168,
    }
    assert expiry_sql("lake.raw.customers", **options) == [
        "CALL lake.system.expire_snapshots(table => 'raw.customers',"
        " older_than => TIMESTAMP '2026-03-03 12:30:00.000250', retain_last => 3)",
        "CALL lake.system.remove_orphan_files(table => 'raw.customers',"
        " older_than => TIMESTAMP '2026-03-08 12:30:00.000250')",
    ]


def test_delta_gets_optimize_with_the_zones_zorder_columns_and_vacuum():
    policy = ZoneRetention(snapshot_retention_days=14, zorder_by={"fact_transactions": ["customer_key", "product_key"]})

    options = retention_options(policy, NOW)

    assert compaction_sql("main.curated.fact_transactions", "delta", policy.zorder_by["fact_transactions"]) == [
        "OPTIMIZE main.curated.fact_transactions ZORDER BY (customer_key, product_key)"
    ]
    assert expiry_sql("main.curated.fact_transactions", "delta", **options) == [
        "VACUUM main.curated.fact_transactions RETAIN 336 HOURS"
    ]


def test_every_environment_has_a_policy_for_every_zone():
    for name in ("dev", "test", "prod", "kubernetes", "databricks"):
        zones = load_env(name).maintenance.zones
        assert set(zones) == {"raw", "quarantine", "curated", "marts", "ops"}, name


def test_partition_retention_outside_raw_and_quarantine_is_rejected_at_load(config_copy):
    # given a dev config asking to delete old batches of the curated zone (not partitioned by batch)
    path = config_copy / "environments" / "dev.yaml"
    data = yaml.safe_load(path.read_text())
    data["maintenance"]["zones"]["curated"]["partition_retention_days"] = 30
    path.write_text(yaml.safe_dump(data))

    # then loading names the file and the key
    with pytest.raises(ConfigError, match=r"dev\.yaml: maintenance: .*zones\.curated\.partition_retention_days"):
        load_env("dev")
