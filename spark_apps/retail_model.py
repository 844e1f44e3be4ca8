"""The retail dimensional model as pure transforms: raw frames in, dimension and fact frames out."""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from spark_apps.config import RetailRules

CUSTOMER_ATTRIBUTES = ["first_name", "last_name", "email", "country", "territory", "signup_date"]


def latest_per_key(df: DataFrame, keys: list[str]) -> DataFrame:
    """The newest delivery of each key: a re-delivered row replaces, never duplicates, its predecessor."""
    w = Window.partitionBy(*keys).orderBy(
        F.col("_ingested_at").desc(), F.col("_source_file").desc(), F.col("_line").desc()
    )
    return df.withColumn("_rn", F.row_number().over(w)).where("_rn = 1").drop("_rn")


def surrogate_key(*cols: str) -> F.Column:
    """Deterministic surrogate key, so re-runs and full rebuilds assign the same keys."""
    return F.abs(F.xxhash64(*cols))


def build_dim_customer(raw_customers: DataFrame, rules: RetailRules) -> DataFrame:
    """One row per customer with a hash of the tracked attributes, plus the unknown member."""
    current = latest_per_key(raw_customers, ["customer_id"]).select(
        surrogate_key("customer_id").alias("customer_key"),
        "customer_id",
        *CUSTOMER_ATTRIBUTES,
        F.sha2(
            F.concat_ws("\u0001", *[F.coalesce(F.col(c).cast("string"), F.lit("")) for c in CUSTOMER_ATTRIBUTES]), 256
        ).alias("attr_hash"),
    )
    return current.unionByName(unknown_customer(raw_customers.sparkSession, rules))


def unknown_customer(spark: SparkSession, rules: RetailRules) -> DataFrame:
    return spark.sql(
        f"""SELECT CAST({rules.unknown_member_key} AS BIGINT) AS customer_key, CAST(NULL AS BIGINT) AS customer_id,
        'Unknown' AS first_name, 'Unknown' AS last_name, CAST(NULL AS STRING) AS email,
        CAST(NULL AS STRING) AS country, 'Unknown' AS territory, CAST(NULL AS DATE) AS signup_date,
        'unknown' AS attr_hash"""
    )


def build_fact_transactions(raw_transactions: DataFrame, dim_customer: DataFrame, rules: RetailRules) -> DataFrame:
    """Business rules of the fact; a transaction whose customer is unknown keeps the unknown member key."""
    tx = latest_per_key(raw_transactions, ["transaction_id"])
    customers = dim_customer.where(F.col("customer_id").isNotNull()).select("customer_id", "customer_key")
    is_refund = F.col("amount") < 0
    fee = F.when(is_refund, F.round(F.abs("amount") * F.lit(rules.restocking_fee_rate), 2)).otherwise(F.lit(0))
    fee = fee.cast("decimal(12,2)")
    return tx.join(F.broadcast(customers), "customer_id", "left").select(
        "transaction_id",
        F.coalesce("customer_key", F.lit(rules.unknown_member_key).cast("bigint")).alias("customer_key"),
        "customer_id",
        "product_id",
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
