"""Declared models' incremental settings are validated at load, naming the file, the model and the key."""

from __future__ import annotations

import pytest

from spark_apps.config import ConfigError
from spark_apps.model_spec import load_domain, load_domains


def test_retail_declares_its_incremental_scope_and_what_it_follows():
    retail = load_domain("retail")
    fact = retail.model("curated.fact_transactions")

    assert fact.incremental is not None and fact.incremental.input == "transactions"
    assert fact.incremental.followed() == {
        "customer_id": ("customers", "customer_id"),
        "product_id": ("products", "product_id"),
        "transaction_date": ("dates", "calendar_date"),
    }
    assert fact.watched() == {"curated.dim_customer", "curated.dim_product", "curated.dim_date"}
    assert retail.model("marts.monthly_summary").watched() == {"curated.fact_transactions"}
    # the short form stays valid: `incremental: <alias>`
    events = load_domain("events").model("curated.stg_app_events")
    assert events.incremental is not None and (events.incremental.input, events.incremental.follow) == ("events", {})


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        (
            "    transform: dim_product\n",
            "    transform: dim_product\n    incremental: products\n",
            r"'incremental' applies to incremental_merge and scd2 only",
        ),
        (
            "customer_id: customers.customer_id",
            "customer_id: shoppers.customer_id",
            r"incremental\.follow\.customer_id: 'shoppers' is not an input built by a model",
        ),
        (
            "transaction_date: dates.calendar_date",
            "transaction_date: transactions.transaction_date",
            r"incremental\.follow\.transaction_date: 'transactions' is not an input built by a model",
        ),
        (
            "    transform: customer_segments\n",
            "    transform: customer_segments\n    partitions_from: fact\n",
            r"'partitions_from' applies to partition_replace only",
        ),
    ],
)
def test_incremental_declarations_that_cannot_work_are_refused_at_load(config_copy, replace, by, message):
    path = config_copy / "domains" / "retail" / "domain.yaml"
    text = path.read_text()
    assert replace in text
    path.write_text(text.replace(replace, by, 1))

    with pytest.raises(ConfigError, match=message):
        load_domains()


def test_following_another_domains_model_is_refused_its_changes_are_not_known(config_copy):
    # given a banking model that follows retail's customer dimension
    path = config_copy / "domains" / "banking" / "domain.yaml"
    text = path.read_text()
    old = "    inputs: {accounts: raw.bank_accounts}\n"
    assert old in text
    new = (
        "    inputs: {accounts: raw.bank_accounts, retail: curated.dim_customer}\n"
        "    incremental: {input: accounts, follow: {customer_id: retail.customer_id}}\n"
    )
    path.write_text(text.replace(old, new, 1))

    with pytest.raises(ConfigError, match=r"changes of curated\.dim_customer are known only for this domain's models"):
        load_domains()
