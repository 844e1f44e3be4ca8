"""Freshness SLAs: ages against the hours allowed, the breach message, and config coverage."""

from __future__ import annotations

import datetime as dt

import pytest

from spark_apps.config import load_freshness_slas
from spark_apps.freshness import FreshnessError, enforce, judge
from spark_apps.model_spec import load_domain

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def test_a_table_within_its_sla_is_fresh_and_one_past_it_is_stale():
    last = {"raw.a": NOW - dt.timedelta(hours=25), "raw.b": NOW - dt.timedelta(hours=27)}

    results = judge(last, {"raw.a": 26, "raw.b": 26}, NOW)

    assert [(r.table, r.status, round(r.age_hours, 2)) for r in results] == [
        ("raw.a", "fresh", 25.0),
        ("raw.b", "stale", 27.0),
    ]
    assert results[1].line() == "FRESHNESS_RESULT table=raw.b status=stale age_hours=27.00 sla_hours=26"


def test_breaches_fail_naming_every_stale_or_missing_table():
    last = {"raw.a": NOW - dt.timedelta(hours=30), "raw.b": NOW, "raw.c": None}

    with pytest.raises(FreshnessError) as err:
        enforce(judge(last, {"raw.a": 26, "raw.b": 26, "raw.c": 26}, NOW))

    assert str(err.value) == (
        "freshness SLA missed: 2 table(s)\n"
        "  raw.a: last updated 30.0 h ago (2026-03-01 06:00 UTC) > SLA 26 h\n"
        "  raw.c: no data yet (SLA 26 h)"
    )


def test_all_fresh_passes():
    enforce(judge({"raw.a": NOW}, {"raw.a": 1}, NOW))


def test_every_table_the_pipelines_write_has_an_sla():
    slas = load_freshness_slas().tables
    retail = load_domain("retail")
    written = {
        *retail.raw_inputs(),
        *(m.name for m in retail.models),
        *("raw.account_snapshots", "curated.account_summary", "curated.latest_summary"),
    }

    assert written - set(slas) == set()
    assert all(hours > 0 for hours in slas.values())


def test_an_sla_must_name_a_table_and_be_positive(config_copy):
    path = config_copy / "freshness.yaml"
    path.write_text("tables:\n  transactions: 26\n")

    with pytest.raises(Exception, match=r"freshness\.yaml: tables\.transactions"):
        load_freshness_slas()
