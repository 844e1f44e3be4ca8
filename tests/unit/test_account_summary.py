"""Rolling account summary: the pure DataFrame functions, on hand-made records with a short history."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from chispa import assert_df_equality
from hypothesis import given
from hypothesis import strategies as st
from pyspark.sql import functions as F

from spark_apps.account_summary import (
    SORT_AGGREGATE,
    build_rows,
    latest_from_records,
    latest_of,
    month_index,
    seed_from,
    split_records,
)
from spark_apps.config import ConfigError, load_summary_config
from spark_apps.months import add_months, month_number, month_text
from spark_apps.sample_data import account_snapshots
from spark_apps.session import sql_conf
from tests.account_summary_helpers import comparable, source_frame
from tests.account_summary_oracle import expected_summary
from tests.property import examples

pytestmark = pytest.mark.spark
CFG = load_summary_config().model_copy(update={"history_length": 4})


def snap(account: int, month: str, rating: str = "0", ts: str | None = None, balance: str = "10.00", **extra) -> dict:
    return {
        "account_key": account,
        "customer_id": 100 + (account or 0),
        "report_month": month,
        "base_ts": ts or f"{month}-28 00:00:00",
        "balance": balance,
        "credit_limit": "1000.00",
        "actual_payment_amount": "1.00",
        "past_due_amount": "0.00",
        "days_past_due": 0,
        "payment_rating_code": rating,
        "asset_class_code": "A",
        "account_type": "card",
        "open_date": "2020-01-01",
        "branch_code": "B001",
        **extra,
    }


def summarize(spark, records: list[dict], cfg=CFG) -> dict:
    good, _ = split_records(source_frame(spark, records), cfg)
    return comparable(build_rows(good, cfg), cfg)


def test_months_are_numbered_so_gaps_are_subtraction():
    assert month_number("2024-01") - month_number("2023-12") == 1
    assert month_text(month_number("2024-12")) == "2024-12"
    assert add_months("2024-11", 3) == "2025-02"
    with pytest.raises(ValueError, match="YYYY-MM"):
        month_number("2024-13")


def test_the_month_column_accepts_exactly_what_month_number_accepts(spark):
    # Given well-formed months and near misses (whitespace, signs, other digits, a trailing newline)
    texts = [
        "2024-01",
        "2024-12",
        "0999-07",
        "2024-13",
        "2024-00",
        "24-01",
        " 2024-01",
        "2024-1 ",
        "2024/01",
        "2024-01\n",
        "+024-01",
        "2024-001",
        "２０２４-01",
        "2024-0١",
        "",
        None,
    ]

    # When the Spark column numbers them
    got = {
        r["t"]: r["i"]
        for r in spark.createDataFrame([(t,) for t in texts], "t string")
        .select("t", month_index(F.col("t")).alias("i"))
        .collect()
    }

    # Then it agrees with the Python function, null where that raises
    def python(text):
        try:
            return month_number(text)
        except ValueError:
            return None

    assert got == {t: python(t) for t in texts}
    assert got["2024-01"] == 2024 * 12 and got["0999-07"] == 999 * 12 + 6


def test_position_zero_is_the_month_and_gaps_stay_null(spark):
    # Given months 01, 02 and 04 (03 missing) for one account
    records = [snap(1, "2024-01", "1"), snap(1, "2024-02", "2"), snap(1, "2024-04", "4")]

    # When the summary is built
    rows = summarize(spark, records)

    # Then each array looks back month by month, null for the gap and before the account existed
    assert rows[(1, "2024-04")]["payment_rating_history"] == ["4", None, "2", "1"]
    assert rows[(1, "2024-04")]["payment_history_grid"] == "4?21"
    assert rows[(1, "2024-01")]["payment_rating_history"] == ["1", None, None, None]
    assert rows[(1, "2024-02")]["balance_history"] == [Decimal("10.00"), Decimal("10.00"), None, None]
    assert all(len(r[c.name]) == 4 for r in rows.values() for c in CFG.rolling_columns)


def test_months_older_than_the_history_fall_off(spark):
    records = [snap(1, "2024-01", "1"), snap(1, "2024-06", "6")]

    rows = summarize(spark, records)

    assert rows[(1, "2024-06")]["payment_rating_history"] == ["6", None, None, None]


def test_latest_base_ts_wins_and_invalid_values_become_null(spark):
    # Given a month reported twice, and values that break the configured rules
    records = [
        snap(1, "2024-01", "1", ts="2024-02-01 00:00:00", balance="50.00"),
        snap(1, "2024-01", "3", ts="2024-02-15 00:00:00", balance="40.00"),
        snap(2, "2024-01", "X", days_past_due=-5),
    ]

    rows = summarize(spark, records)

    assert rows[(1, "2024-01")]["payment_rating_history"][0] == "3"
    assert rows[(1, "2024-01")]["balance_history"][0] == Decimal("40.00")
    assert rows[(2, "2024-01")]["payment_rating_history"][0] is None
    assert rows[(2, "2024-01")]["days_past_due_history"][0] is None
    assert rows[(2, "2024-01")]["payment_history_grid"] == "????"


def test_rows_without_a_usable_account_or_month_are_rejected_not_dropped(spark):
    records = [snap(1, "2024-01"), snap(1, "2024-13"), snap(None, "2024-02"), snap(2, "24-1")]

    good, rejected = split_records(source_frame(spark, records), CFG)

    assert good.count() == 1
    assert sorted(r["report_month"] for r in rejected.collect()) == ["2024-02", "2024-13", "24-1"]


def test_an_unplaceable_row_does_not_hide_the_placeable_rows_of_its_account(spark):
    # Given one account with a broken month beside two deliveries of 2024-01 and one of 2024-02
    # (placeability is checked after the latest-wins window, so the broken row is in that window)
    records = [
        snap(1, "2024-13", "9", ts="2024-12-30 00:00:00"),
        snap(1, "2024-01", "1"),
        snap(1, "2024-01", "2", ts="2024-02-05 00:00:00"),
        snap(1, "2024-02", "3"),
    ]

    # When the records are split
    good, rejected = split_records(source_frame(spark, records), CFG)

    # Then each month keeps its latest delivery and only the broken row is rejected
    assert sorted((r["report_month"], r["payment_rating_code"]) for r in good.collect()) == [
        ("2024-01", "2"),
        ("2024-02", "3"),
    ]
    assert [r["report_month"] for r in rejected.collect()] == ["2024-13"]


def test_a_seed_supplies_the_months_before_the_new_records(spark):
    # Given an account summarised up to 2024-02, then records for 2024-03 and (after a gap) 2024-05
    before = [snap(1, "2024-01", "1"), snap(1, "2024-02", "2")]
    seed_rows = build_rows(split_records(source_frame(spark, before), CFG)[0], CFG)
    seed = seed_from(latest_of(seed_rows, CFG), CFG)
    new, _ = split_records(source_frame(spark, [snap(1, "2024-03", "3"), snap(1, "2024-05", "5")]), CFG)

    # When only the new records are built on top of the seed
    rows = comparable(build_rows(new, CFG, seed), CFG)

    # Then the arrays are what a build over all four records gives
    assert rows[(1, "2024-03")]["payment_rating_history"] == ["3", "2", "1", None]
    assert rows[(1, "2024-05")]["payment_rating_history"] == ["5", None, "3", "2"]
    assert rows == {
        k: v
        for k, v in summarize(spark, [*before, snap(1, "2024-03", "3"), snap(1, "2024-05", "5")]).items()
        if k[1] >= "2024-03"
    }


def test_a_new_account_arriving_with_several_months_needs_no_seed(spark):
    seed = seed_from(
        latest_of(build_rows(split_records(source_frame(spark, [snap(1, "2024-01")]), CFG)[0], CFG), CFG), CFG
    )
    new, _ = split_records(source_frame(spark, [snap(9, "2024-01", "1"), snap(9, "2024-02", "2")]), CFG)

    rows = comparable(build_rows(new, CFG, seed), CFG)

    assert rows[(9, "2024-02")]["payment_rating_history"] == ["2", "1", None, None]


def test_the_arrays_stream_through_the_latest_wins_sort_with_no_second_sort(spark):
    # Given records straight from the latest-wins window
    good, _ = split_records(source_frame(spark, [snap(1, "2024-01"), snap(1, "2024-03"), snap(2, "2024-02")]), CFG)

    # When the rows and latest_summary are planned as the summary's modes plan them
    with sql_conf(spark, SORT_AGGREGATE):
        plans = [
            df._jdf.queryExecution().executedPlan().toString()
            for df in (build_rows(good, CFG), latest_from_records(good, CFG))
        ]

    # Then each has the window's one shuffle and one sort, aggregated by a sort aggregate that reuses them
    for plan in plans:
        assert plan.count("Exchange hashpartitioning") == 1, plan
        assert plan.count("Sort [") == 1, plan
        assert "SortAggregate" in plan and "ObjectHashAggregate" not in plan, plan


def test_latest_from_records_equals_the_newest_summary_row(spark):
    records = [s.values for s in account_snapshots(12, 9, gap_rate=0.2, late_rate=0.1, seed=11)]
    good, _ = split_records(source_frame(spark, records), CFG)

    direct = latest_from_records(good, CFG)
    via_rows = latest_of(build_rows(good, CFG), CFG)

    assert_df_equality(direct, via_rows.select(*direct.columns), ignore_row_order=True, ignore_nullable=True)


@examples(8)
@given(
    accounts=st.integers(1, 6),
    months=st.integers(1, 9),
    gap=st.sampled_from([0.0, 0.3, 0.6]),
    late=st.sampled_from([0.0, 0.2]),
    invalid=st.sampled_from([0.0, 0.2]),
    seed=st.integers(0, 10_000),
)
def test_initial_build_equals_the_oracle(spark, accounts, months, gap, late, invalid, seed):
    records = [
        s.values
        for s in account_snapshots(accounts, months, gap_rate=gap, late_rate=late, invalid_rate=invalid, seed=seed)
    ]

    rows = summarize(spark, records)

    assert rows == expected_summary(records, CFG)[0]


def test_config_errors_name_the_file_and_key(tmp_path):
    cfg = json.loads(load_summary_config().model_dump_json())
    cfg["grid_columns"] = [{"name": "g", "source": "balance_history"}]
    path = tmp_path / "account_summary.json"
    path.write_text(json.dumps(cfg))

    with pytest.raises(
        ConfigError, match=r"account_summary.json: .*'balance_history' must be a rolling column of type string"
    ):
        load_summary_config(path)


def test_the_job_rejects_a_bad_month_before_starting_spark(capsys):
    from spark_apps.jobs.account_summary import main

    with pytest.raises(SystemExit):
        main(["--run-id", "r", "--mode", "backfill", "--start-month", "2024-13"])
    with pytest.raises(SystemExit):
        main(["--run-id", "r", "--mode", "backfill", "--start-month", "2024-06", "--end-month", "2024-01"])

    assert "is after --end-month 2024-01" in capsys.readouterr().err
