"""Retail: the transforms its declared models name (``transforms``), built from the star schema's
dimension and fact rules (``model``), marts (``marts``) and business constants (``rules``)."""

from spark_apps.domains.retail.transforms import (
    customer_segments,
    dim_date,
    dim_product,
    fact_transactions,
    monthly_summary,
    product_performance,
    regional_performance,
    sales_by_fiscal_period,
    top_customers,
)

__all__ = [
    "customer_segments",
    "dim_date",
    "dim_product",
    "fact_transactions",
    "monthly_summary",
    "product_performance",
    "regional_performance",
    "sales_by_fiscal_period",
    "top_customers",
]
