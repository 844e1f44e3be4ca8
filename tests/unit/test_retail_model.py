"""Business rules of the dimensional model, against hand-computed tables."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from chispa import assert_df_equality

from spark_apps.domain_build import model_rows, run_select
from spark_apps.domains.retail.model import (
    build_dim_date,
    build_dim_product,
    build_fact_transactions,
    latest_per_key,
    surrogate_key,
)
from spark_apps.domains.retail.rules import RetailRules
from spark_apps.model_spec import ModelSpec, load_domain

pytestmark = pytest.mark.spark

RULES = RetailRules(
    restocking_fee_rate=0.10,
    large_order_threshold=5000,
    unknown_member_key=-1,
    product_families={"Electronics": ["Audio"], "Home": ["Kitchen"]},
    default_family="Other",
)
D1, D2, D3 = dt.date(2026, 1, 1), dt.date(2026, 1, 2), dt.date(2026, 1, 3)
START, OPEN = dt.date(1900, 1, 1), dt.date(9999, 12, 31)
CUSTOMER_SCHEMA = (
    "customer_id long, first_name string, last_name string, email string, country string, territory string,"
    " signup_date date, _ingested_at timestamp, _source_file string, _line long, _ingest_date date"
)


def dim_customer_model() -> ModelSpec:
    """The customer dimension as config/domains/retail/domain.yaml declares it (SCD2, unknown member)."""
    return load_domain("retail").model("curated.dim_customer")


def build_dim_customer(raw, model: ModelSpec | None = None):
    """The declared dimension's rows from raw deliveries: its select, its versions, its unknown member."""
    model = model or dim_customer_model()
    return model_rows(model, run_select(raw.sparkSession, "retail", model, {"customers": raw}, {}))


def customer_versions(raw, model: ModelSpec | None = None):
    return build_dim_customer(raw, model).where("customer_id IS NOT NULL")


def customers(spark, rows):
    """Raw customer rows: (id, email, delivery date[, first_name]); other attributes fixed."""
    out = []
    for i, (cid, email, day, *first) in enumerate(rows):
        ts = dt.datetime.combine(day, dt.time(1)) + dt.timedelta(seconds=i)
        name = first[0] if first else "Ann"
        out.append((cid, name, "Lee", email, "US", "North America", dt.date(2025, 1, 1), ts, "f", i, day))
    return spark.createDataFrame(out, CUSTOMER_SCHEMA)


def key(cid: int, valid_from: dt.date, spark) -> int:
    return spark.createDataFrame([(cid, valid_from)], "c long, d date").select(surrogate_key("c", "d")).first()[0]


def versions_of(df) -> list[tuple]:
    return sorted((r["customer_id"], r["email"], r["valid_from"], r["valid_to"], r["is_current"]) for r in df.collect())


def test_latest_delivery_of_a_key_wins(spark):
    raw = customers(spark, [(1, "old@x", D1), (1, "new@x", D1), (2, "bo@x", D1)])

    latest = latest_per_key(raw, ["customer_id"])

    assert sorted((r["customer_id"], r["email"]) for r in latest.collect()) == [(1, "new@x"), (2, "bo@x")]


def test_scd2_change_closes_the_old_version_and_opens_a_new_one(spark):
    # given: customer 1 changes email on day 2; customer 2 never changes
    raw = customers(spark, [(1, "a@x", D1), (2, "b@x", D1), (1, "a2@x", D2), (2, "b@x", D2)])

    # when
    versions = customer_versions(raw)

    # then: the first version starts at the configured start, the second on its delivery date
    assert versions_of(versions) == [
        (1, "a2@x", D2, OPEN, True),
        (1, "a@x", START, D2, False),
        (2, "b@x", START, OPEN, True),
    ]


def test_scd2_redelivery_of_unchanged_customer_adds_no_version(spark):
    raw = customers(spark, [(1, "a@x", D1), (1, "a@x", D2), (1, "a@x", D3)])

    assert versions_of(customer_versions(raw)) == [(1, "a@x", START, OPEN, True)]


def test_scd2_change_back_is_a_new_version_and_same_day_deliveries_keep_the_last(spark):
    # given: a -> b -> a, with two deliveries on day 2 of which the later one wins
    raw = customers(spark, [(1, "a@x", D1), (1, "x@x", D2), (1, "b@x", D2), (1, "a@x", D3)])

    assert versions_of(customer_versions(raw)) == [
        (1, "a@x", START, D2, False),
        (1, "a@x", D3, OPEN, True),
        (1, "b@x", D2, D3, False),
    ]


def test_scd2_untracked_attribute_change_is_a_no_op(spark):
    declared = dim_customer_model()
    assert declared.scd2 is not None
    model = declared.model_copy(update={"scd2": declared.scd2.model_copy(update={"tracked": ["email"]})})
    raw = customers(spark, [(1, "a@x", D1, "Ann"), (1, "a@x", D2, "Anne")])

    assert versions_of(customer_versions(raw, model)) == [(1, "a@x", START, OPEN, True)]


def test_scd2_keys_are_deterministic_one_current_row_and_no_overlaps(spark):
    raw = customers(spark, [(1, "a@x", D1), (1, "b@x", D2), (1, "c@x", D3), (2, "z@x", D2)])

    dim = build_dim_customer(raw)
    rows = sorted(dim.where("customer_id = 1").collect(), key=lambda r: r["valid_from"])

    assert [r["customer_key"] for r in rows] == [key(1, START, spark), key(1, D2, spark), key(1, D3, spark)]
    assert [r["is_current"] for r in rows] == [False, False, True]
    assert all(a["valid_to"] == b["valid_from"] for a, b in itertools.pairwise(rows))
    assert dim.where("is_current").groupBy("customer_id").count().where("count > 1").count() == 0
    assert_df_equality(dim, build_dim_customer(raw.orderBy("_line")), ignore_row_order=True)


def test_dim_customer_has_an_unknown_member_valid_for_all_time(spark):
    dim = build_dim_customer(customers(spark, [(1, "a@x", D1)]))

    unknown = dim.where("customer_key = -1").collect()

    assert len(unknown) == 1
    assert (unknown[0]["customer_id"], unknown[0]["first_name"], unknown[0]["is_current"]) == (None, "Unknown", True)
    assert (unknown[0]["valid_from"], unknown[0]["valid_to"]) == (START, OPEN)


def test_dim_product_family_from_config_default_family_and_unknown_member(spark):
    ts = dt.datetime(2026, 1, 1)
    raw = spark.createDataFrame(
        [
            ("P1", "Headphones", "Audio", Decimal("20.00"), ts, "f", 1),
            ("P2", "Pan", "Kitchen", Decimal("30.00"), ts, "f", 2),
            ("P3", "Rake", "Garden", None, ts, "f", 3),
        ],
        "product_id string, product_name string, category string, unit_price decimal(12,2),"
        " _ingested_at timestamp, _source_file string, _line long",
    )

    dim = build_dim_product(raw, RULES)

    got = {r["product_id"]: (r["product_family"], r["product_key"]) for r in dim.collect()}
    assert {p: f for p, (f, _) in got.items()} == {"P1": "Electronics", "P2": "Home", "P3": "Other", None: "Unknown"}
    assert got[None][1] == -1
    assert len({k for _, k in got.values()}) == 4


def test_dim_date_calendar_and_fiscal_attributes(spark):
    ts = dt.datetime(2026, 1, 1)
    raw = spark.createDataFrame(
        [(D3, 2026, 4, 12, 48, ts, "f", 1)],
        "calendar_date date, fiscal_year int, fiscal_quarter int, fiscal_month int, fiscal_week int,"
        " _ingested_at timestamp, _source_file string, _line long",
    )

    dim = build_dim_date(raw, RULES)

    expected = spark.createDataFrame(
        [
            (20260103, D3, 2026, 1, 1, "January", 3, 6, "Saturday", True, 1, 2026, 4, 12, 48),
            (-1, None, None, None, None, "Unknown", None, None, "Unknown", None, None, -1, -1, -1, -1),
        ],
        dim.schema,
    )
    assert_df_equality(dim, expected, ignore_row_order=True, ignore_nullable=True)


def tx_frame(spark, rows):
    return spark.createDataFrame(
        [(*r, dt.datetime(2026, 1, 9), "f", i, "transactions/2026-01-09") for i, r in enumerate(rows)],
        "transaction_id string, customer_id long, product_id string, quantity int, amount decimal(12,2),"
        " transaction_date date, territory string, _ingested_at timestamp, _source_file string, _line long,"
        " _batch_id string",
    )


@pytest.fixture(scope="module")
def dims(spark):
    # customer 1 moves e-mail on 2026-01-05; customer 2 never changes
    raw = customers(spark, [(1, "a@x", D1), (2, "b@x", D1), (1, "a2@x", dt.date(2026, 1, 5))])
    ts = dt.datetime(2026, 1, 1)
    products = spark.createDataFrame(
        [("P1", "Headphones", "Audio", Decimal("20.00"), ts, "f", 1)],
        "product_id string, product_name string, category string, unit_price decimal(12,2),"
        " _ingested_at timestamp, _source_file string, _line long",
    )
    calendar = spark.createDataFrame(
        [(dt.date(2026, 1, d), 2026, 4, 12, 48, ts, "f", d) for d in range(1, 8)],
        "calendar_date date, fiscal_year int, fiscal_quarter int, fiscal_month int, fiscal_week int,"
        " _ingested_at timestamp, _source_file string, _line long",
    )
    return (
        build_dim_customer(raw).cache(),
        build_dim_product(products, RULES).cache(),
        build_dim_date(calendar, RULES).cache(),
    )


def test_fact_rules_sale_refund_fee_net_large_order_and_unknown_members(spark, dims):
    dim_customer, dim_product, dim_date = dims
    d = dt.date(2026, 1, 2)
    raw = tx_frame(
        spark,
        [
            ("T1", 2, "P1", 2, Decimal("100.00"), d, "North America"),  # sale
            ("T2", 2, "P1", 1, Decimal("-80.00"), d, "Asia Pacific"),  # refund: 10 % fee
            ("T3", 99, "P1", 5, Decimal("5000.00"), d, "Europe"),  # unknown customer, large order
            ("T4", 2, "P9", 1, Decimal("-4999.99"), d, "Europe"),  # unknown product; refund under 5000
            ("T5", 2, "P1", 1, Decimal("-5000.00"), dt.date(2027, 3, 1), "Europe"),  # large refund, unknown date
        ],
    )

    fact = build_fact_transactions(raw, dim_customer, dim_product, dim_date, RULES).select(
        "transaction_id",
        "date_key",
        "customer_key",
        "product_key",
        "transaction_type",
        "restocking_fee",
        "net_amount",
        "is_large_order",
    )

    c2 = key(2, START, spark)
    p1 = dim_product.where("product_id = 'P1'").first()["product_key"]
    expected = spark.createDataFrame(
        [
            ("T1", 20260102, c2, p1, "Sale", Decimal("0.00"), Decimal("100.00"), False),
            ("T2", 20260102, c2, p1, "Refund", Decimal("8.00"), Decimal("-72.00"), False),
            ("T3", 20260102, -1, p1, "Sale", Decimal("0.00"), Decimal("5000.00"), True),
            ("T4", 20260102, c2, -1, "Refund", Decimal("500.00"), Decimal("-4499.99"), False),
            ("T5", -1, c2, p1, "Refund", Decimal("500.00"), Decimal("-4500.00"), True),
        ],
        "transaction_id string, date_key int, customer_key long, product_key long, transaction_type string,"
        " restocking_fee decimal(12,2), net_amount decimal(12,2), is_large_order boolean",
    )
    assert_df_equality(fact, expected, ignore_row_order=True, ignore_nullable=True)


def test_fact_resolves_the_customer_version_valid_on_the_transaction_date(spark, dims):
    dim_customer, dim_product, dim_date = dims
    raw = tx_frame(
        spark,
        [
            ("T1", 1, "P1", 1, Decimal("10.00"), dt.date(2025, 6, 1), "x"),  # before the first delivery
            ("T2", 1, "P1", 1, Decimal("10.00"), dt.date(2026, 1, 4), "x"),  # last day of version 1
            ("T3", 1, "P1", 1, Decimal("10.00"), dt.date(2026, 1, 5), "x"),  # first day of version 2
        ],
    )

    fact = build_fact_transactions(raw, dim_customer, dim_product, dim_date, RULES)

    got = {r["transaction_id"]: r["customer_key"] for r in fact.collect()}
    v1, v2 = key(1, START, spark), key(1, dt.date(2026, 1, 5), spark)
    assert got == {"T1": v1, "T2": v1, "T3": v2}


def test_redelivered_transaction_appears_once_with_its_latest_values(spark, dims):
    d = dt.date(2026, 1, 2)
    raw = tx_frame(spark, [("T1", 2, "P1", 1, Decimal("10.00"), d, "x"), ("T1", 2, "P1", 1, Decimal("12.00"), d, "x")])

    fact = build_fact_transactions(raw, *dims, RULES)

    assert [(r["transaction_id"], r["amount"]) for r in fact.collect()] == [("T1", Decimal("12.00"))]
