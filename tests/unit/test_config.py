"""Config loads for every environment, and every error names the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from spark_apps import config
from spark_apps.config import ConfigError, load_contract, load_contracts, load_env
from spark_apps.domains.retail.rules import load_retail_rules
from spark_apps.model_spec import load_domains

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["dev", "test", "prod", "databricks", "kubernetes"])
def test_every_environment_loads_and_validates(name):
    env = load_env(name)

    assert env.name == name
    assert env.table("raw", "t") == f"{env.catalog.name}.raw.t"


def test_dev_is_fully_embedded(monkeypatch):
    monkeypatch.delenv("PIPELINE_LAKE_ROOT", raising=False)
    monkeypatch.delenv("PIPELINE_WAREHOUSE_PATH", raising=False)

    env = load_env("dev")

    assert env.lake.root == str(ROOT / "data" / "lake")
    assert env.catalog.type == "hadoop"
    assert env.warehouse.target == "duckdb"
    assert env.warehouse.duckdb_path == str(ROOT / "data" / "warehouse" / "lakehouse.duckdb")
    assert env.spark.backend == "spark_submit"


def test_prod_points_at_s3_glue_and_redshift(monkeypatch):
    monkeypatch.setenv("LAKE_BUCKET", "my-bucket")

    env = load_env("prod")

    assert env.lake.root == "s3://my-bucket/prod"
    assert env.catalog.type == "glue"
    assert env.warehouse.target == "redshift"
    assert env.spark.deploy_mode == "cluster"


def test_environment_is_chosen_by_pipeline_env(monkeypatch):
    monkeypatch.setenv("PIPELINE_ENV", "prod")

    assert load_env().name == "prod"


def test_unknown_key_names_file_and_key(config_copy):
    path = config_copy / "environments" / "dev.yaml"
    path.write_text(path.read_text().replace("target: duckdb", "target: duckdb\n  targte: oops"))

    with pytest.raises(ConfigError) as err:
        load_env("dev")

    assert str(path) in str(err.value)
    assert "warehouse.targte" in str(err.value)


def test_invalid_value_names_file_and_key(config_copy):
    path = config_copy / "environments" / "dev.yaml"
    path.write_text(path.read_text().replace("target: duckdb", "target: oracle"))

    with pytest.raises(ConfigError, match=r"dev\.yaml: warehouse\.target: Input should be"):
        load_env("dev")


def test_cross_field_rule_is_enforced(config_copy):
    path = config_copy / "environments" / "dev.yaml"
    text = path.read_text()
    path.write_text(text[: text.index("  duckdb_path:")] + text[text.index("airflow:") :])

    with pytest.raises(ConfigError, match=r"warehouse: Value error, target 'duckdb' needs 'duckdb_path'"):
        load_env("dev")


def test_missing_environment_variable_without_default_is_named(config_copy, monkeypatch):
    path = config_copy / "environments" / "dev.yaml"
    path.write_text(path.read_text().replace("${PIPELINE_LAKE_ROOT:-data/lake}", "${NO_SUCH_VAR}", 1))
    monkeypatch.delenv("NO_SUCH_VAR", raising=False)

    with pytest.raises(ConfigError, match="NO_SUCH_VAR is not set"):
        load_env("dev")


def test_unknown_environment_names_the_missing_file():
    with pytest.raises(ConfigError, match=r"environments/staging\.yaml: file not found"):
        load_env("staging")


def test_shipped_contracts_load():
    contracts = load_contracts()

    assert {"customers", "transactions", "fiscal_calendar"} <= set(contracts)
    assert contracts["transactions"].primary_key == ["transaction_id"]


def test_contract_primary_key_must_be_a_column(config_copy):
    path = config_copy / "domains" / "retail" / "sources" / "customers.yaml"
    path.write_text(path.read_text().replace("primary_key: [customer_id]", "primary_key: [cust_key]"))

    with pytest.raises(ConfigError, match=r"customers\.yaml: <root>: Value error, 'cust_key' is not a declared"):
        load_contract(path)


def test_contract_alias_cannot_map_to_two_columns(config_copy):
    path = config_copy / "domains" / "retail" / "sources" / "customers.yaml"
    path.write_text(path.read_text().replace("aliases: [email_address]", "aliases: [cust_id]"))

    with pytest.raises(ConfigError, match="alias 'cust_id' maps to both 'customer_id' and 'email'"):
        load_contract(path)


def test_contract_type_is_validated_with_its_column_path(config_copy):
    path = config_copy / "domains" / "retail" / "sources" / "transactions.yaml"
    path.write_text(path.read_text().replace('type: "decimal(12,2)"', "type: money"))

    with pytest.raises(ConfigError, match=r"transactions\.yaml: columns\.4\.type"):
        load_contract(path)


def test_canonical_name_is_case_insensitive_and_follows_aliases():
    contract = load_contracts()["customers"]

    assert contract.canonical_name("Customer_ID") == "customer_id"
    assert contract.canonical_name("CUST_ID") == "customer_id"
    assert contract.canonical_name("Region") == "territory"
    assert contract.canonical_name("loyalty_tier") is None


def test_export_path_is_safe_for_airflow_run_ids(test_env):
    path = test_env.export_path("fact_transactions", "manual__2026-01-01T00:00:00+00:00")

    assert path.endswith("/exports/fact_transactions/manual__2026-01-01T00_00_00_00_00")


def test_databricks_backend_needs_exactly_one_cluster(config_copy):
    path = config_copy / "environments" / "databricks.yaml"
    path.write_text(path.read_text().replace("    new_cluster:", "    existing_cluster_id: 0101-abc\n    new_cluster:"))

    with pytest.raises(ConfigError, match=r"spark\.databricks: Value error, give exactly one of"):
        load_env("databricks")


def test_shipped_retail_rules_load_with_families_and_segments():
    rules = load_retail_rules()

    assert rules.family_of()["Audio"] == "Electronics"
    assert (rules.segments.high, rules.segments.medium, rules.top_customers) == (10000, 5000, 10)


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        ("Leisure: [Sports, Books]", "Leisure: [Sports, Audio]", "category 'Audio' is in both 'Electronics' and"),
        ("{high: 10000, medium: 5000}", "{high: 5000, medium: 5000}", "medium .5000.0. must be below high"),
        ("top_customers: 10", "top_customers: 0", "rules.yaml: top_customers: Input should be greater than 0"),
    ],
)
def test_retail_rules_are_validated_with_file_and_key(config_copy, replace, by, message):
    path = config_copy / "domains" / "retail" / "rules.yaml"
    path.write_text(path.read_text().replace(replace, by))

    with pytest.raises(ConfigError, match=message):
        load_retail_rules()


def test_shipped_quality_suites_load_for_every_layer():
    suites = config.load_suites()

    assert {s.layer for s in suites.values()} == {"raw", "processing", "marts"}
    assert set(config.load_suites("raw")) == {f"raw.{name}" for name in load_contracts()}
    declared = {m.name for d in load_domains().values() for m in d.models}
    marts = {m for m in declared if m.startswith("marts.")}
    assert set(config.load_suites("marts")) == marts  # every mart gated
    assert declared <= set(suites)  # and every declared model
    assert config.suite_for("raw.customers").checks[0].name == "email_format"
    assert config.suite_for("raw.nothing") is None


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        ("kind: pattern", "kind: patern", r"checks\.0: Input tag 'patern' found using 'kind' does not match"),
        (
            "column: email, allow_null",
            "column: emial, allow_null",
            r"checks\.0\.column: 'emial' is not a column of source 'customers'",
        ),
        (
            "pattern: '^[^@",
            "pattern: '([^@",
            r"checks\.0\.pattern: Value error, check 'email_format': pattern does not compile",
        ),
        (
            "name: customer_id_unique",
            "name: email_format",
            r"check names must be unique within a suite: \['email_format'\]",
        ),
        (
            "{metric: null_rate, column: email,",
            "{metric: null_rate,",
            r"anomalies\.1: Value error, null_rate needs 'column'",
        ),
        ("kind: row_count, min: 1", "kind: row_count", r"row_count needs min, max or both"),
    ],
)
def test_quality_suites_are_validated_with_file_and_key(config_copy, replace, by, message):
    path = config_copy / "domains" / "retail" / "quality" / "raw.customers.yaml"
    text = path.read_text()
    assert replace in text
    path.write_text(text.replace(replace, by, 1))

    with pytest.raises(ConfigError, match=r"raw\.customers\.yaml: .*" + message):
        config.load_suites()


def test_layer_thresholds_are_rates(config_copy):
    path = config_copy / "environments" / "dev.yaml"
    path.write_text(path.read_text().replace("marts: 0.98}", "marts: 98}"))

    with pytest.raises(ConfigError, match=r"dev\.yaml: quality\.thresholds\.marts: Input should be less than or equal"):
        load_env("dev")


def test_no_contract_accepts_a_string_longer_than_the_warehouse_column_it_reaches():
    # given every VARCHAR(n) of the warehouse DDL, by column name
    import re

    widths: dict[str, int] = {}
    for ddl in (Path(config.PROJECT_ROOT) / "include" / "sql" / "warehouse" / "ddl").glob("*.sql"):
        for name, n in re.findall(r"^\s+(\w+)\s+VARCHAR\((\d+)\)", ddl.read_text(), re.M):
            widths[name] = min(widths.get(name, int(n)), int(n))

    # then each source's string column of that name is bounded by it, explicitly or by the source default
    too_long = {
        f"{c.name}.{col.name}": (c.max_length(col), widths[col.name])
        for c in load_contracts().values()
        for col in c.columns
        if col.type == "string" and col.name in widths and c.max_length(col) > widths[col.name]
    }
    assert too_long == {}


def test_value_bounds_default_to_a_safe_window_and_are_validated():
    contract = load_contracts()["customers"]

    assert (str(contract.bounds.min_date), str(contract.bounds.max_date)) == ("1900-01-01", "2100-12-31")
    assert contract.max_length(contract.column("email")) == 256
    with pytest.raises(ValueError, match="min_date 2100-01-01 is after max_date 1900-01-01"):
        config.ValueBounds(min_date="2100-01-01", max_date="1900-01-01")


@pytest.mark.parametrize("run_id", ["..", ".", "", ".hidden", "../etc"])
def test_a_run_id_that_names_no_folder_of_its_own_is_refused_before_it_becomes_a_path(run_id):
    env = load_env("test")

    with pytest.raises(ValueError, match="cannot name a folder"):
        env.export_path("fact_transactions", run_id)


def test_airflow_run_ids_become_safe_folder_names():
    env = load_env("test")

    path = env.export_path("fact_transactions", "manual__2026-01-01T00:00:00+00:00")

    assert path.endswith("/exports/fact_transactions/manual__2026-01-01T00_00_00_00_00")
