"""Lineage comes from the configs that drive the pipelines, and the model's own part is validated."""

from __future__ import annotations

import pytest

from spark_apps.config import ConfigError
from spark_apps.domains.retail.tables import CURATED_TABLES, MART_PARTITIONS
from spark_apps.lineage import build_lineage
from spark_apps.model_spec import load_domain, load_domains


def test_every_zone_transition_of_the_shipped_configs_is_an_edge():
    # Given the shipped configs
    lineage = build_lineage()

    # Then contracts feed raw and quarantine from their landing folder
    assert lineage.downstream("landing/customers") == ["quarantine.customers", "raw.customers"]
    # retail's tables come from what its domain.yaml lists
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


def test_every_table_the_retail_build_writes_has_declared_inputs():
    # the retail domain's code builds these tables; its domain.yaml must say what each is built from
    built = {f"curated.{t}" for t in CURATED_TABLES} | {f"marts.{m}" for m in MART_PARTITIONS}

    assert set(load_domain("retail").lineage) == built


def test_a_code_built_table_without_inputs_names_itself(config_copy):
    path = config_copy / "domains" / "retail" / "domain.yaml"
    path.write_text(
        path.read_text().replace(
            "  marts.top_customers: [curated.fact_transactions, curated.dim_date, curated.dim_customer]",
            "  marts.top_customers: []",
        )
    )

    with pytest.raises(ConfigError, match=r"domain\.yaml: lineage\.marts\.top_customers: no inputs given"):
        load_domains()


def test_an_input_that_is_not_a_table_of_the_domain_is_named(config_copy):
    path = config_copy / "domains" / "retail" / "domain.yaml"
    path.write_text(path.read_text().replace("[raw.products]", "[raw.prodcts]"))

    with pytest.raises(ConfigError, match=r"lineage\.curated\.dim_product: unknown input\(s\) raw\.prodcts"):
        load_domains()
