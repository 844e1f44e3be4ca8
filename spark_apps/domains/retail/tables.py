"""The retail model's tables by name, without Spark: DAG files declare their Assets from these."""

from __future__ import annotations

RAW_SOURCES = ("customers", "transactions", "products", "fiscal_calendar")
INCREMENTAL_SOURCES = ("customers", "transactions")  # the others are small and recomputed whole
CURATED_TABLES = ("dim_customer", "dim_product", "dim_date", "fact_transactions")

# Mart -> the column whose changed values can be rebuilt alone (None: rebuilt whole every run, as
# rankings over all rows must be).
MART_PARTITIONS: dict[str, str | None] = {
    "monthly_summary": "month",
    "regional_performance": "month",
    "sales_by_fiscal_period": "fiscal_year",
    "customer_segments": None,
    "top_customers": None,
    "product_performance": None,
}
