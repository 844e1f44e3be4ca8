"""Every mart against a hand-computed table, from one small fact of five transactions.

The fact (amounts as the model computes them; refunds pay 10 %):
    T1 customer 1 (older version)  P1  2026-01-05  North America  2 x  100.00 sale
    T2 customer 1                  P2  2026-01-20  North America  1 x  -40.00 refund, fee 4.00, net -36.00
    T3 customer 2                  P1  2026-02-03  Europe         3 x 12000.00 sale
    T4 customer 3                  P2  2026-02-10  Europe         1 x  6000.00 sale
    T5 unknown customer (id 99)    P1  2026-02-10  (no territory) 1 x    50.00 sale
Fiscal calendar: 01-05 FY2026 Q4 M12 W49, 01-20 FY2026 Q4 M12 W51, 02-03 FY2027 Q1 M1 W1, 02-10 FY2027 Q1 M1 W2.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from chispa import assert_df_equality

from spark_apps.domains.retail.marts import (
    MartInputs,
    customer_segments,
    monthly_summary,
    product_performance,
    regional_performance,
    sales_by_fiscal_period,
    top_customers,
    with_periods,
)
from spark_apps.domains.retail.rules import RetailRules

pytestmark = pytest.mark.spark

RULES = RetailRules(restocking_fee_rate=0.10, large_order_threshold=5000, top_customers=2)
MEASURES = (
    "sales_amount decimal(18,2), refund_amount decimal(18,2), items_sold long, items_refunded long,"
    " restocking_fees decimal(18,2), net_amount decimal(18,2), transactions long"
)


def day(m: int, d: int) -> dt.date:
    return dt.date(2026, m, d)


@pytest.fixture(scope="module")
def inputs(spark) -> MartInputs:
    fact = spark.createDataFrame(
        [
            ("T1", 20260105, 10, 101, 1, "P1", day(1, 5), "North America", 2, D("100.00"), "Sale", D("0"), D("100")),
            ("T2", 20260120, 11, 102, 1, "P2", day(1, 20), "North America", 1, D("-40"), "Refund", D("4"), D("-36")),
            ("T3", 20260203, 12, 101, 2, "P1", day(2, 3), "Europe", 3, D("12000"), "Sale", D("0"), D("12000")),
            ("T4", 20260210, 13, 102, 3, "P2", day(2, 10), "Europe", 1, D("6000"), "Sale", D("0"), D("6000")),
            ("T5", 20260210, -1, 101, 99, "P1", day(2, 10), None, 1, D("50"), "Sale", D("0"), D("50")),
        ],
        "transaction_id string, date_key int, customer_key long, product_key long, customer_id long,"
        " product_id string, transaction_date date, territory string, quantity int, amount decimal(12,2),"
        " transaction_type string, restocking_fee decimal(12,2), net_amount decimal(12,2)",
    )
    dim_date = spark.createDataFrame(
        [
            (20260105, 2026, 4, 12, 49),
            (20260120, 2026, 4, 12, 51),
            (20260203, 2027, 1, 1, 1),
            (20260210, 2027, 1, 1, 2),
        ],
        "date_key int, fiscal_year int, fiscal_quarter int, fiscal_month int, fiscal_week int",
    )
    dim_customer = spark.createDataFrame(
        [
            (10, 1, "Annie", "Lee", "North America", False),
            (11, 1, "Ann", "Lee", "North America", True),
            (12, 2, "Bo", "Kim", "Europe", True),
            (13, 3, "Cy", "Ng", "Europe", True),
            (-1, None, "Unknown", "Unknown", "Unknown", True),
        ],
        "customer_key long, customer_id long, first_name string, last_name string, territory string,"
        " is_current boolean",
    )
    dim_product = spark.createDataFrame(
        [(101, "P1", "Headphones", "Electronics"), (102, "P2", "Pan", "Home"), (-1, None, "Unknown", "Unknown")],
        "product_key long, product_id string, product_name string, product_family string",
    )
    return MartInputs(with_periods(fact, dim_date).cache(), dim_customer, dim_product)


def assert_mart(actual, spark, rows, schema):
    assert_df_equality(actual, spark.createDataFrame(rows, schema), ignore_row_order=True, ignore_nullable=True)


def test_monthly_summary(spark, inputs):
    assert_mart(
        monthly_summary(inputs, RULES),
        spark,
        [
            ("2026-01", D("100"), D("40"), 2, 1, D("4"), D("64"), 2, 1),
            # customers 2 and 3: T5's id 99 belongs to no customer (the unknown member), so it is not counted
            ("2026-02", D("18050"), D("0"), 5, 0, D("0"), D("18050"), 3, 2),
        ],
        f"month string, {MEASURES}, unique_customers long",
    )


def test_regional_performance_share_and_average_sale(spark, inputs):
    assert_mart(
        regional_performance(inputs, RULES),
        spark,
        [
            ("2026-01", "North America", D("100"), D("40"), 2, 1, D("4"), D("64"), 2, 1, D("100.00"), D("1.0000")),
            ("2026-02", "Europe", D("18000"), D("0"), 4, 0, D("0"), D("18000"), 2, 2, D("9000.00"), D("0.9972")),
            ("2026-02", "Unknown", D("50"), D("0"), 1, 0, D("0"), D("50"), 1, 0, D("50.00"), D("0.0028")),
        ],
        f"month string, territory string, {MEASURES}, unique_customers long, avg_sale_value decimal(18,2),"
        " share_of_month_sales decimal(9,4)",
    )


def test_sales_by_fiscal_week_month_and_quarter(spark, inputs):
    jan = (D("100"), D("40"), 2, 1, D("4"), D("64"), 2)
    feb = (D("18050"), D("0"), 5, 0, D("0"), D("18050"), 3)
    assert_mart(
        sales_by_fiscal_period(inputs, RULES),
        spark,
        [
            ("week", 2026, 49, D("100"), D("0"), 2, 0, D("0"), D("100"), 1),
            ("week", 2026, 51, D("0"), D("40"), 0, 1, D("4"), D("-36"), 1),
            ("week", 2027, 1, D("12000"), D("0"), 3, 0, D("0"), D("12000"), 1),
            ("week", 2027, 2, D("6050"), D("0"), 2, 0, D("0"), D("6050"), 2),
            ("month", 2026, 12, *jan),
            ("month", 2027, 1, *feb),
            ("quarter", 2026, 4, *jan),
            ("quarter", 2027, 1, *feb),
        ],
        f"period_type string, fiscal_year int, fiscal_period int, {MEASURES}",
    )


SEGMENT_SCHEMA = (
    "customer_key long, customer_id long, first_name string, last_name string, territory string,"
    " total_spent decimal(18,2), sales_amount decimal(18,2), refund_amount decimal(18,2), transactions long,"
    " first_purchase_date date, last_purchase_date date, segment string"
)


def test_customer_segments_by_total_spent_with_current_attributes_and_an_unknown_row(spark, inputs):
    assert_mart(
        customer_segments(inputs, RULES),
        spark,
        [
            (11, 1, "Ann", "Lee", "North America", D("64"), D("100"), D("40"), 2, day(1, 5), day(1, 20), "Low"),
            (12, 2, "Bo", "Kim", "Europe", D("12000"), D("12000"), D("0"), 1, day(2, 3), day(2, 3), "High"),
            (13, 3, "Cy", "Ng", "Europe", D("6000"), D("6000"), D("0"), 1, day(2, 10), day(2, 10), "Medium"),
            (-1, None, "Unknown", "Unknown", "Unknown", D("50"), D("50"), D("0"), 1, day(2, 10), day(2, 10), "Unknown"),
        ],
        SEGMENT_SCHEMA,
    )


def test_segment_thresholds_come_from_config(spark, inputs):
    rules = RULES.model_copy(update={"segments": RULES.segments.model_copy(update={"high": 20000, "medium": 50})})

    got = {r["customer_id"]: r["segment"] for r in customer_segments(inputs, rules).collect()}

    assert got == {1: "Medium", 2: "Medium", 3: "Medium", None: "Unknown"}


def test_top_customers_are_known_customers_ranked_by_total_spent(spark, inputs):
    assert_mart(
        top_customers(inputs, RULES),
        spark,
        [
            (1, 12, 2, "Bo", "Kim", "Europe", D("12000"), "High"),
            (2, 13, 3, "Cy", "Ng", "Europe", D("6000"), "Medium"),
        ],
        "customer_rank int, customer_key long, customer_id long, first_name string, last_name string, territory string,"
        " total_spent decimal(18,2), segment string",
    )


def test_product_performance_rank_per_territory_and_gap_to_best(spark, inputs):
    assert_mart(
        product_performance(inputs, RULES),
        spark,
        [
            ("North America", 101, "P1", "Headphones", "Electronics", D("100"), 2, D("100"), 1, D("0")),
            ("North America", 102, "P2", "Pan", "Home", D("0"), 0, D("-36"), 2, D("100")),
            ("Europe", 101, "P1", "Headphones", "Electronics", D("12000"), 3, D("12000"), 1, D("0")),
            ("Europe", 102, "P2", "Pan", "Home", D("6000"), 1, D("6000"), 2, D("6000")),
            ("Unknown", 101, "P1", "Headphones", "Electronics", D("50"), 1, D("50"), 1, D("0")),
        ],
        "territory string, product_key long, product_id string, product_name string, product_family string,"
        " revenue decimal(18,2), units_sold long, net_amount decimal(18,2), revenue_rank int,"
        " gap_to_best decimal(18,2)",
    )


def test_marts_covering_every_transaction_reconcile_with_the_fact(inputs):
    fact_net = inputs.fact.agg({"net_amount": "sum"}).first()[0]
    # every mart but top_customers (a top-N cut, not a total)
    totals = [monthly_summary, regional_performance, sales_by_fiscal_period, customer_segments, product_performance]
    for build in totals:
        df = build(inputs, RULES)
        if build is sales_by_fiscal_period:
            df = df.where("period_type = 'week'")
        column = "net_amount" if "net_amount" in df.columns else "total_spent"
        assert df.agg({column: "sum"}).first()[0] == fact_net, build.__name__
