"""The retail dimensional model as pure transforms: raw frames in, dimension and fact frames out (the
customer dimension is declared SCD2 in ``config/domains/retail/domain.yaml``; no code).

Every function here is deterministic in its input (surrogate keys are hashes, never sequences), so an
incremental build and a full rebuild of the same raw data give identical tables.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from spark_apps.domains.retail.rules import RetailRules
from spark_apps.scd2 import attribute_hash, latest_per_key, surrogate_key

PRODUCT_ATTRIBUTES = ["product_name", "category", "product_family", "unit_price"]


# --------------------------------------------------------------------------- dim_product, dim_date


def build_dim_product(raw_products: DataFrame, rules: RetailRules) -> DataFrame:
    """Type 1 product dimension: the latest delivery of each product, its family from config."""
    families = rules.family_of()
    family = F.lit(rules.default_family)
    if families:
        mapping = F.create_map(*[F.lit(x) for pair in sorted(families.items()) for x in pair])
        family = F.coalesce(F.element_at(mapping, F.col("category")), family)
    latest = latest_per_key(raw_products, ["product_id"]).withColumn("product_family", family)
    products = latest.select(
        surrogate_key("product_id").alias("product_key"),
        "product_id",
        *PRODUCT_ATTRIBUTES,
        attribute_hash(PRODUCT_ATTRIBUTES).alias("attr_hash"),
    )
    unknown = products.sparkSession.createDataFrame(
        [(rules.unknown_member_key, None, "Unknown", None, "Unknown", None, "unknown")], products.schema
    )
    return products.unionByName(unknown)


def date_key(date: Column) -> Column:
    """The smart key yyyymmdd of a date."""
    return F.date_format(date, "yyyyMMdd").cast("int")


def build_dim_date(raw_calendar: DataFrame, rules: RetailRules) -> DataFrame:
    """One row per calendar date: calendar attributes computed, fiscal attributes from the source."""
    d = F.col("calendar_date")
    iso_day = (F.dayofweek(d) + 5) % 7 + 1  # Monday = 1 ... Sunday = 7
    dates = latest_per_key(raw_calendar, ["calendar_date"]).select(
        date_key(d).alias("date_key"),
        "calendar_date",
        F.year(d).alias("year"),
        F.quarter(d).alias("quarter"),
        F.month(d).alias("month"),
        F.date_format(d, "MMMM").alias("month_name"),
        F.dayofmonth(d).alias("day_of_month"),
        iso_day.alias("day_of_week"),
        F.date_format(d, "EEEE").alias("day_name"),
        (iso_day >= 6).alias("is_weekend"),
        F.weekofyear(d).alias("week_of_year"),
        "fiscal_year",
        "fiscal_quarter",
        "fiscal_month",
        "fiscal_week",
    )
    # The unknown date's fiscal attributes are the unknown key too, so marts grouped or partitioned by
    # them never hold a null key (warehouse MERGE keys must match).
    unknown: dict[str, object] = {c: None for c in dates.columns}
    unknown.update({c: rules.unknown_member_key for c in dates.columns if c.startswith("fiscal_")})
    unknown.update(date_key=rules.unknown_member_key, month_name="Unknown", day_name="Unknown")
    return dates.unionByName(dates.sparkSession.createDataFrame([unknown], dates.schema))


# --------------------------------------------------------------------------- fact_transactions


def build_fact_transactions(
    raw_transactions: DataFrame,
    dim_customer: DataFrame,
    dim_product: DataFrame,
    dim_date: DataFrame,
    rules: RetailRules,
) -> DataFrame:
    """Business rules of the fact. Keys resolve to the dimension row valid on the transaction date; a
    transaction whose customer, product or date is unknown gets the unknown member and is never dropped."""
    unknown = F.lit(rules.unknown_member_key).cast("bigint")
    tx = latest_per_key(raw_transactions, ["transaction_id"]).alias("tx")
    versions = dim_customer.where(F.col("customer_id").isNotNull()).select(
        F.col("customer_id").alias("v_customer_id"), "customer_key", "valid_from", "valid_to"
    )
    valid_on_date = (
        (F.col("tx.customer_id") == F.col("v_customer_id"))
        & (F.col("tx.transaction_date") >= F.col("valid_from"))
        & (F.col("tx.transaction_date") < F.col("valid_to"))
    )
    products = dim_product.where(F.col("product_id").isNotNull()).select(
        F.col("product_id").alias("p_product_id"), "product_key"
    )
    dates = dim_date.where(F.col("calendar_date").isNotNull()).select(
        F.col("calendar_date").alias("d_date"), F.col("date_key").alias("d_key")
    )
    joined = (
        tx.join(versions, valid_on_date, "left")
        .join(F.broadcast(products), F.col("tx.product_id") == F.col("p_product_id"), "left")
        .join(F.broadcast(dates), F.col("tx.transaction_date") == F.col("d_date"), "left")
    )
    is_refund = F.col("amount") < 0
    fee = F.when(is_refund, F.round(F.abs("amount") * F.lit(rules.restocking_fee_rate), 2)).otherwise(F.lit(0))
    fee = fee.cast("decimal(12,2)")
    return joined.select(
        "transaction_id",
        F.coalesce("d_key", unknown.cast("int")).alias("date_key"),
        F.coalesce("customer_key", unknown).alias("customer_key"),
        F.coalesce("product_key", unknown).alias("product_key"),
        F.col("tx.customer_id").alias("customer_id"),
        F.col("tx.product_id").alias("product_id"),
        "transaction_date",
        "territory",
        "quantity",
        "amount",
        F.when(is_refund, "Refund").otherwise("Sale").alias("transaction_type"),
        fee.alias("restocking_fee"),
        # A refund returns the amount less the fee the customer pays: -100 refunded, 10 fee -> -90 net.
        (F.col("amount") + fee).cast("decimal(12,2)").alias("net_amount"),
        (F.abs("amount") >= F.lit(rules.large_order_threshold)).alias("is_large_order"),
        F.col("_batch_id").alias("source_batch_id"),
    )
