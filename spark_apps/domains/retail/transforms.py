"""Retail's registered transforms: what ``config/domains/retail/domain.yaml``'s models name as
``transform:``. Each takes the model's inputs by alias (and the run's parameters) and returns its rows;
the rules come from ``config/domains/retail/rules.yaml``."""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import DataFrame

from spark_apps.domains.retail import marts
from spark_apps.domains.retail.model import build_dim_date, build_dim_product, build_fact_transactions
from spark_apps.domains.retail.rules import RetailRules, load_retail_rules

Inputs = dict[str, DataFrame]


def dim_product(inputs: Inputs, params: dict[str, str]) -> DataFrame:
    return build_dim_product(inputs["products"], load_retail_rules())


def dim_date(inputs: Inputs, params: dict[str, str]) -> DataFrame:
    return build_dim_date(inputs["calendar"], load_retail_rules())


def fact_transactions(inputs: Inputs, params: dict[str, str]) -> DataFrame:
    return build_fact_transactions(
        inputs["transactions"], inputs["customers"], inputs["products"], inputs["dates"], load_retail_rules()
    )


def _mart(build: Callable[[marts.MartInputs, RetailRules], DataFrame]) -> Callable[[Inputs, dict[str, str]], DataFrame]:
    """A mart's transform: the fact with its periods (from input ``dates``) and the dimensions it declares."""

    def transform(inputs: Inputs, params: dict[str, str]) -> DataFrame:
        fact = marts.with_periods(inputs["fact"], inputs["dates"])
        return build(marts.MartInputs(fact, inputs.get("customers"), inputs.get("products")), load_retail_rules())

    transform.__doc__ = build.__doc__
    return transform


monthly_summary = _mart(marts.monthly_summary)
regional_performance = _mart(marts.regional_performance)
sales_by_fiscal_period = _mart(marts.sales_by_fiscal_period)
customer_segments = _mart(marts.customer_segments)
top_customers = _mart(marts.top_customers)
product_performance = _mart(marts.product_performance)
