"""Analytics marts over the transaction fact, as pure transforms (declared in ``domain.yaml``).

Every mart's money columns are sums of the fact's own columns, so the marts reconcile with the fact:
sales, refunds, fees and net amounts add up to the fact's totals in every mart that covers all rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from spark_apps.domains.retail.rules import RetailRules

MONEY = "decimal(18,2)"


@dataclass(frozen=True)
class MartInputs:
    """What marts read: the fact with its period columns (see ``with_periods``) and, for the marts that
    declare them, the dimensions."""

    fact: DataFrame
    dim_customer: DataFrame | None = None
    dim_product: DataFrame | None = None

    def customers(self) -> DataFrame:
        if self.dim_customer is None:
            raise ValueError("this mart reads the customer dimension: declare it as input 'customers'")
        return self.dim_customer

    def products(self) -> DataFrame:
        if self.dim_product is None:
            raise ValueError("this mart reads the product dimension: declare it as input 'products'")
        return self.dim_product


def with_periods(fact: DataFrame, dim_date: DataFrame) -> DataFrame:
    """The fact plus the periods marts group and partition by: calendar month and fiscal attributes."""
    fiscal = dim_date.select("date_key", "fiscal_year", "fiscal_quarter", "fiscal_month", "fiscal_week")
    return fact.join(F.broadcast(fiscal), "date_key", "left").withColumn(
        "month", F.date_format("transaction_date", "yyyy-MM")
    )


def _is_sale() -> Column:
    return F.col("transaction_type") == "Sale"


def sales_amount() -> Column:
    return F.sum(F.when(_is_sale(), F.col("amount")).otherwise(F.lit(0))).cast(MONEY).alias("sales_amount")


def refund_amount() -> Column:
    """Refunded amounts as a positive sum (the fact stores refunds as negative amounts)."""
    return F.sum(F.when(~_is_sale(), -F.col("amount")).otherwise(F.lit(0))).cast(MONEY).alias("refund_amount")


def sales_measures() -> list[Column]:
    """Sales and refunds, items sold and refunded, fees, net amount and transaction count."""
    sale, refund = _is_sale(), ~_is_sale()
    return [
        sales_amount(),
        refund_amount(),
        F.sum(F.when(sale, F.col("quantity")).otherwise(F.lit(0))).cast("long").alias("items_sold"),
        F.sum(F.when(refund, F.col("quantity")).otherwise(F.lit(0))).cast("long").alias("items_refunded"),
        F.sum("restocking_fee").cast(MONEY).alias("restocking_fees"),
        F.sum("net_amount").cast(MONEY).alias("net_amount"),
        F.count(F.lit(1)).alias("transactions"),
    ]


def _territory() -> Column:
    return F.coalesce(F.col("territory"), F.lit("Unknown")).alias("territory")


def unique_customers(rules: RetailRules) -> Column:
    """Distinct known customers: a transaction of the unknown member carries an id no customer has."""
    known = F.when(F.col("customer_key") != F.lit(rules.unknown_member_key), F.col("customer_id"))
    return F.countDistinct(known).alias("unique_customers")


def monthly_summary(inputs: MartInputs, rules: RetailRules) -> DataFrame:
    """Per calendar month: sales, refunds, items sold and refunded, restocking fees, unique customers."""
    return inputs.fact.groupBy("month").agg(*sales_measures(), unique_customers(rules))


def regional_performance(inputs: MartInputs, rules: RetailRules) -> DataFrame:
    """Per territory and month: the sales measures, average sale value and share of the month's sales."""
    per_region = inputs.fact.groupBy("month", _territory()).agg(
        *sales_measures(),
        unique_customers(rules),
        F.sum(F.when(_is_sale(), 1).otherwise(0)).alias("_sales"),
    )
    month_sales = F.sum("sales_amount").over(Window.partitionBy("month"))
    return per_region.select(
        "month",
        "territory",
        *[c for c in per_region.columns if c not in ("month", "territory", "_sales")],
        F.when(F.col("_sales") > 0, F.col("sales_amount") / F.col("_sales")).cast(MONEY).alias("avg_sale_value"),
        F.when(month_sales > 0, F.col("sales_amount") / month_sales).cast("decimal(9,4)").alias("share_of_month_sales"),
    )


def sales_by_fiscal_period(inputs: MartInputs, rules: RetailRules) -> DataFrame:
    """Sales measures per fiscal week, month and quarter (``period_type``), keyed by fiscal year and period."""
    frames = [
        inputs.fact.groupBy("fiscal_year", F.col(column).alias("fiscal_period"))
        .agg(*sales_measures())
        .withColumn("period_type", F.lit(period))
        for period, column in (("week", "fiscal_week"), ("month", "fiscal_month"), ("quarter", "fiscal_quarter"))
    ]
    union = frames[0].unionByName(frames[1]).unionByName(frames[2])
    return union.select(
        "period_type",
        "fiscal_year",
        "fiscal_period",
        *[c for c in union.columns if c not in ("period_type", "fiscal_year", "fiscal_period")],
    )


def customer_segments(inputs: MartInputs, rules: RetailRules) -> DataFrame:
    """Total spent (net amounts) per customer and its value segment. Transactions of unknown customers
    form one ``Unknown`` row, so the mart's totals still equal the fact's."""
    unknown = F.col("customer_key") == F.lit(rules.unknown_member_key)
    spend = (
        inputs.fact.withColumn("customer_id", F.when(unknown, F.lit(None)).otherwise(F.col("customer_id")))
        .groupBy("customer_id")
        .agg(
            F.sum("net_amount").cast(MONEY).alias("total_spent"),
            sales_amount(),
            refund_amount(),
            F.count(F.lit(1)).alias("transactions"),
            F.min("transaction_date").alias("first_purchase_date"),
            F.max("transaction_date").alias("last_purchase_date"),
        )
    )
    current = (
        inputs.customers()
        .where(F.col("is_current") & F.col("customer_id").isNotNull())
        .select("customer_id", "customer_key", "first_name", "last_name", "territory")
    )
    joined = spend.join(current, "customer_id", "left")
    seg = rules.segments
    segment = (
        F.when(F.col("customer_id").isNull(), "Unknown")
        .when(F.col("total_spent") >= F.lit(seg.high), "High")
        .when(F.col("total_spent") >= F.lit(seg.medium), "Medium")
        .otherwise("Low")
    )
    return joined.select(
        F.coalesce("customer_key", F.lit(rules.unknown_member_key).cast("bigint")).alias("customer_key"),
        "customer_id",
        F.when(F.col("customer_id").isNull(), "Unknown").otherwise(F.col("first_name")).alias("first_name"),
        F.when(F.col("customer_id").isNull(), "Unknown").otherwise(F.col("last_name")).alias("last_name"),
        F.when(F.col("customer_id").isNull(), "Unknown").otherwise(F.col("territory")).alias("territory"),
        "total_spent",
        "sales_amount",
        "refund_amount",
        "transactions",
        "first_purchase_date",
        "last_purchase_date",
        segment.alias("segment"),
    )


def top_customers(inputs: MartInputs, rules: RetailRules) -> DataFrame:
    """The ``top_customers`` known customers by total spent; ties go to the lower customer id."""
    order = [F.col("total_spent").desc(), F.col("customer_id")]
    top = customer_segments(inputs, rules).where(F.col("customer_id").isNotNull()).orderBy(*order)
    # limit first, so the rank window sorts N rows, not every customer in one partition
    return top.limit(rules.top_customers).select(
        F.row_number().over(Window.orderBy(*order)).alias("customer_rank"),
        "customer_key",
        "customer_id",
        "first_name",
        "last_name",
        "territory",
        "total_spent",
        "segment",
    )


def product_performance(inputs: MartInputs, rules: RetailRules) -> DataFrame:
    """Per territory and product: revenue (sales), units and net amount, the revenue rank within the
    territory and the difference from the territory's best product."""
    per_product = inputs.fact.groupBy(_territory(), "product_key").agg(
        F.sum(F.when(_is_sale(), F.col("amount")).otherwise(F.lit(0))).cast(MONEY).alias("revenue"),
        F.sum(F.when(_is_sale(), F.col("quantity")).otherwise(F.lit(0))).cast("long").alias("units_sold"),
        F.sum("net_amount").cast(MONEY).alias("net_amount"),
    )
    products = inputs.products().select("product_key", "product_id", "product_name", "product_family")
    territory = Window.partitionBy("territory")
    return per_product.join(F.broadcast(products), "product_key", "left").select(
        "territory",
        "product_key",
        "product_id",
        "product_name",
        "product_family",
        "revenue",
        "units_sold",
        "net_amount",
        F.rank().over(territory.orderBy(F.col("revenue").desc())).alias("revenue_rank"),
        (F.max("revenue").over(territory) - F.col("revenue")).cast(MONEY).alias("gap_to_best"),
    )
