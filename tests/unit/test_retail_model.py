"""Business rules of the dimensional model, against hand-computed tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from chispa import assert_df_equality

from spark_apps.config import RetailRules
from spark_apps.retail_model import build_dim_customer, build_fact_transactions, latest_per_key

pytestmark = pytest.mark.spark

RULES = RetailRules(restocking_fee_rate=0.10, large_order_threshold=5000, unknown_member_key=-1)
TS1, TS2 = dt.datetime(2026, 1, 1, 1), dt.datetime(2026, 1, 2, 1)


@pytest.fixture(scope="module")
def raw_customers(spark):
    return spark.createDataFrame(
        [
            (1, "Ann", "Lee", "ann@x", "US", "North America", dt.date(2025, 1, 1), TS1, "f1", 2),
            (1, "Ann", "Lee", "ann@new", "US", "North America", dt.date(2025, 1, 1), TS2, "f2", 2),
            (2, "Bo", "Kim", "bo@x", "JP", "Asia Pacific", dt.date(2025, 2, 1), TS1, "f1", 3),
        ],
        "customer_id long, first_name string, last_name string, email string, country string, territory string,"
        " signup_date date, _ingested_at timestamp, _source_file string, _line long",
    )


def tx_frame(spark, rows):
    return spark.createDataFrame(
        [(*r, TS1, "f", i, "transactions/2026-01-01") for i, r in enumerate(rows)],
        "transaction_id string, customer_id long, product_id string, quantity int, amount decimal(12,2),"
        " transaction_date date, territory string, _ingested_at timestamp, _source_file string, _line long,"
        " _batch_id string",
    )


def test_latest_delivery_of_a_key_wins(raw_customers):
    latest = latest_per_key(raw_customers, ["customer_id"])

    assert sorted((r["customer_id"], r["email"]) for r in latest.collect()) == [(1, "ann@new"), (2, "bo@x")]


def test_dim_customer_has_one_row_per_customer_plus_unknown_member(raw_customers):
    dim = build_dim_customer(raw_customers, RULES)
    rows = {r["customer_id"]: r for r in dim.collect()}

    assert set(rows) == {1, 2, None}
    assert rows[None]["customer_key"] == -1
    assert rows[None]["first_name"] == "Unknown"
    assert rows[1]["email"] == "ann@new"
    assert rows[1]["customer_key"] != rows[2]["customer_key"]
    assert len(rows[1]["attr_hash"]) == 64


def test_surrogate_keys_are_stable_across_rebuilds(raw_customers):
    first = build_dim_customer(raw_customers, RULES)
    second = build_dim_customer(raw_customers.orderBy("customer_id"), RULES)

    assert_df_equality(first, second, ignore_row_order=True)


def test_fact_rules_sale_refund_fee_large_order_and_unknown_member(spark, raw_customers):
    dim = build_dim_customer(raw_customers, RULES)
    d = dt.date(2026, 1, 5)
    raw = tx_frame(
        spark,
        [
            ("T1", 1, "P1", 2, Decimal("100.00"), d, "North America"),  # sale
            ("T2", 2, "P2", 1, Decimal("-80.00"), d, "Asia Pacific"),  # refund: 10 % fee
            ("T3", 99, "P3", 5, Decimal("5000.00"), d, "Europe"),  # orphan customer, large order
            ("T4", 1, "P1", 1, Decimal("-4999.99"), d, "Europe"),  # large refund is not >= 5000
        ],
    )

    fact = build_fact_transactions(raw, dim, RULES).select(
        "transaction_id", "customer_key", "transaction_type", "restocking_fee", "net_amount", "is_large_order"
    )

    key = {r["customer_id"]: r["customer_key"] for r in dim.collect()}
    expected = spark.createDataFrame(
        [
            ("T1", key[1], "Sale", Decimal("0.00"), Decimal("100.00"), False),
            ("T2", key[2], "Refund", Decimal("8.00"), Decimal("-72.00"), False),
            ("T3", -1, "Sale", Decimal("0.00"), Decimal("5000.00"), True),
            ("T4", key[1], "Refund", Decimal("500.00"), Decimal("-4499.99"), False),
        ],
        "transaction_id string, customer_key long, transaction_type string, restocking_fee decimal(12,2),"
        " net_amount decimal(12,2), is_large_order boolean",
    )
    assert_df_equality(fact, expected, ignore_row_order=True, ignore_nullable=True)


def test_redelivered_transaction_appears_once(spark, raw_customers):
    dim = build_dim_customer(raw_customers, RULES)
    d = dt.date(2026, 1, 5)
    raw = tx_frame(spark, [("T1", 1, "P1", 1, Decimal("10.00"), d, "x"), ("T1", 1, "P1", 1, Decimal("10.00"), d, "x")])

    assert build_fact_transactions(raw, dim, RULES).count() == 1
