"""Lineage comes from the configs that drive the pipelines, and the model's own part is validated."""

from __future__ import annotations

import pytest

from spark_apps.config import ConfigError
from spark_apps.lineage import build_lineage
from spark_apps.model_spec import load_domain, load_domains


def test_every_zone_transition_of_the_shipped_configs_is_an_edge():
    # Given the shipped configs
    lineage = build_lineage()

    # Then contracts feed raw and quarantine from their landing folder
    assert lineage.downstream("landing/customers") == ["quarantine.customers", "raw.customers"]
    # retail's tables come from their declared inputs
    assert lineage.upstream("curated.fact_transactions") == [
        "curated.dim_customer",
        "curated.dim_date",
        "curated.dim_product",
        "raw.transactions",
    ]
    assert lineage.upstream("marts.top_customers") == [
        "curated.dim_customer",
        "curated.dim_date",
        "curated.fact_transactions",
    ]
    # the account summary from its source, the warehouse from tables.yaml
    assert lineage.downstream("raw.account_snapshots") == ["curated.account_summary", "curated.latest_summary"]
    assert lineage.upstream("warehouse.latest_summary") == ["curated.latest_summary"]
    # and a gated table with quarantining rules lists its failing rows in quarantine.<ns>_<table>
    assert "quarantine.curated_fact_transactions" in lineage.downstream("curated.fact_transactions")
    assert lineage.upstream("landing/customers") == [] and lineage.downstream("warehouse.dim_customer") == []


def test_every_table_the_retail_domain_builds_is_a_declared_model_with_its_inputs():
    retail = load_domain("retail")

    assert {m.name for m in retail.models} == {
        *("curated.dim_customer", "curated.dim_product", "curated.dim_date", "curated.fact_transactions"),
        *("marts.monthly_summary", "marts.regional_performance", "marts.sales_by_fiscal_period"),
        *("marts.customer_segments", "marts.top_customers", "marts.product_performance"),
    }
    assert retail.raw_inputs() == ["raw.customers", "raw.fiscal_calendar", "raw.products", "raw.transactions"]


def test_an_input_that_is_not_a_table_of_the_domain_is_named(config_copy):
    path = config_copy / "domains" / "retail" / "domain.yaml"
    path.write_text(path.read_text().replace("{products: raw.products}", "{products: raw.prodcts}"))

    with pytest.raises(ConfigError, match=r"models\.1\.inputs\.products: no source contract 'prodcts'"):
        load_domains()
