"""Onboarding is declarations only: a domain nobody wrote code for, from landing to the warehouse.

A temporary copy of config/ gains a domain folder of YAML alone (two sources, one with order lines
that have no single id and a region column spelt three ways; an SCD2 customer dimension; a fact with
a composite key; a mart; a quality suite; warehouse tables without DDL templates). The real DAGs then
run it under `airflow dags test`: landing_to_raw, the generated shop_processing and
processing_to_warehouse into DuckDB.
"""

from __future__ import annotations

import os
import re
import shutil
import textwrap
from decimal import Decimal

import duckdb
import pytest

from spark_apps.config import PROJECT_ROOT
from tests.integration.e2e_lake import run_dags

pytestmark = pytest.mark.spark

BATCH = "2026-02-01"
RUNS = ((("landing_to_raw", []),), (("shop_processing", []),), (("processing_to_warehouse", []),))

DOMAIN = {
    "domain.yaml": """
        description: A web shop onboarded from YAML alone
        models:
          - name: curated.shop_dim_customer
            inputs: {customers: raw.shop_customers}
            select: SELECT customer_id, name, tier, _ingest_date, _ingested_at, _source_file, _line FROM customers
            materialization: scd2
            keys: [customer_id]
            scd2: {surrogate_key: customer_sk, tracked: [name, tier]}
            unknown_member: {key: -1, values: {name: Unknown}}
          - name: curated.shop_fact_order_lines
            inputs: {lines: raw.shop_order_lines, customers: curated.shop_dim_customer}
            select: |
              SELECT l.order_number, l.order_line_number, COALESCE(c.customer_sk, -1) AS customer_sk,
                     l.region, l.quantity, CAST(l.quantity * l.price AS DECIMAL(12,2)) AS amount, l.order_date
              FROM lines l
              LEFT JOIN customers c ON c.customer_id = l.customer_id
                AND l.order_date >= c.valid_from AND l.order_date < c.valid_to
            keys: [order_number, order_line_number]
          - name: marts.shop_sales_by_region
            inputs: {fact: curated.shop_fact_order_lines}
            select: |
              SELECT COALESCE(region, 'Unknown') AS region, COUNT(*) AS order_lines,
                     CAST(SUM(amount) AS DECIMAL(18,2)) AS amount
              FROM fact GROUP BY COALESCE(region, 'Unknown')
            keys: [region]
    """,
    "sources/shop_customers.yaml": """
        name: shop_customers
        columns:
          - {name: customer_id, type: string, nullable: false, aliases: [CUSTOMERNAME_ID]}
          - {name: name, type: string}
          - {name: tier, type: string}
        primary_key: [customer_id]
    """,
    "sources/shop_order_lines.yaml": """
        name: shop_order_lines
        columns:
          - {name: order_number, type: long, nullable: false, aliases: [ORDERNUMBER]}
          - {name: order_line_number, type: int, nullable: false, aliases: [ORDERLINENUMBER]}
          - {name: customer_id, type: string}
          - {name: quantity, type: int}
          - {name: price, type: "decimal(12,2)", aliases: [PRICEEACH]}
          - {name: order_date, type: date, formats: ["M/d/yyyy H:mm"], aliases: [ORDERDATE]}
          - {name: region, coalesce_of: [county, province, state]}
        derived:
          - {name: order_line_id, expression: "concat(order_number, '-', order_line_number)"}
        primary_key: [order_line_id]
        max_quarantine_rate: 0.5   # a small, deliberately faulty delivery (2 of 6 lines) still loads
    """,
    "quality/marts.shop_sales_by_region.yaml": """
        table: marts.shop_sales_by_region
        layer: marts
        checks:
          - {name: region_unique, kind: uniqueness, columns: [region]}
          - {name: order_lines_counted, kind: positive, column: order_lines}
    """,
    "warehouse.yaml": """
        tables:
          shop_dim_customer: {source: curated.shop_dim_customer, keys: [customer_sk]}
          shop_fact_order_lines:
            source: curated.shop_fact_order_lines
            keys: [order_number, order_line_number]
            measures: [amount]
          shop_sales_by_region: {source: marts.shop_sales_by_region, keys: [region], measures: [amount]}
    """,
}

CUSTOMERS = "CUSTOMERNAME_ID,name,tier\nS1,Ann,gold\nS2,Bob,silver\n"
# CR-only line endings, US dates, one order of two lines, a region given as county and state (county
# wins), a refund-like negative quantity, a line repeated, and a line whose order number is missing.
ORDER_LINES = "\r".join(
    [
        "ORDERNUMBER,ORDERLINENUMBER,customer_id,quantity,PRICEEACH,ORDERDATE,county,state",
        "10100,1,S1,2,10.00,1/6/2026 0:00,Kent,",
        "10100,2,S1,1,5.50,1/6/2026 0:00,Kent,Texas",
        "10101,1,S2,3,1.00,1/7/2026 13:05,,Texas",
        "10102,1,S9,-1,4.00,1/8/2026 9:00,,",
        "10101,1,S2,3,1.00,1/7/2026 13:05,,Texas",
        ",1,S2,1,1.00,1/7/2026 13:05,,Texas",
    ]
)


@pytest.fixture(scope="module")
def shop(scratch, airflow_home) -> dict:
    # given a copy of the shipped config plus the shop domain, written as YAML only
    config = scratch / "shop-config"
    shutil.copytree(PROJECT_ROOT / "config", config)
    for name, text in DOMAIN.items():
        path = config / "domains" / "shop" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    lake = scratch / "shop-lake"
    for source, text in (("shop_customers", CUSTOMERS), ("shop_order_lines", ORDER_LINES)):
        folder = lake / "landing" / source / BATCH
        folder.mkdir(parents=True)
        (folder / f"{source}.csv").write_text(text)
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(airflow_home),
        "PIPELINE_ENV": "test",
        "PIPELINE_CONFIG_DIR": str(config),
        "PIPELINE_LAKE_ROOT": str(lake),
        "PIPELINE_WAREHOUSE_PATH": str(scratch / "shop-warehouse.duckdb"),
    }

    # when the real DAGs run: landing, the DAG generated for the domain, the warehouse load
    logs = run_dags(env, BATCH, scratch / "shop", RUNS)
    return {"logs": logs, "warehouse": env["PIPELINE_WAREHOUSE_PATH"]}


def query(shop: dict, sql: str) -> list[tuple]:
    with duckdb.connect(shop["warehouse"], read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_landed_line_is_loaded_or_quarantined_with_its_reason(shop):
    log = shop["logs"]["landing_to_raw"]
    results = {
        m["source"]: m
        for m in (
            dict(kv.split("=", 1) for kv in line.split())
            for line in re.findall(r"INGEST_RESULT (source=.*? rows_quarantined=\d+)", log)
        )
    }
    # six lines in: four loaded, the repeat and the line without an order number quarantined
    line = results["shop_order_lines"]
    assert (line["rows_read"], line["rows_loaded"], line["rows_quarantined"]) == ("6", "4", "2")
    customers = results["shop_customers"]
    assert (customers["rows_read"], customers["rows_loaded"], customers["rows_quarantined"]) == ("2", "2", "0")


def test_the_fact_has_one_row_per_composite_key_and_the_warehouse_holds_it(shop):
    rows = query(
        shop,
        "select f.order_number, f.order_line_number, f.region, f.amount, c.name"
        " from analytics.shop_fact_order_lines f join analytics.shop_dim_customer c using (customer_sk)"
        " order by 1, 2",
    )
    assert rows == [
        (10100, 1, "Kent", Decimal("20.00"), "Ann"),
        (10100, 2, "Kent", Decimal("5.50"), "Ann"),
        (10101, 1, "Texas", Decimal("3.00"), "Bob"),
        (10102, 1, None, Decimal("-4.00"), "Unknown"),  # a customer never delivered: the unknown member
    ]


def test_the_mart_reconciles_and_its_gate_ran(shop):
    assert query(shop, "select region, order_lines, amount from analytics.shop_sales_by_region order by 1") == [
        ("Kent", 2, Decimal("25.50")),
        ("Texas", 1, Decimal("3.00")),
        ("Unknown", 1, Decimal("-4.00")),
    ]
    processing = shop["logs"]["shop_processing"]
    assert "QUALITY_RESULT table=marts.shop_sales_by_region check=region_unique status=success" in processing
    # the SCD2 dimension holds both customers and the unknown member, every one current
    assert query(shop, "select count(*), count(*) filter (where is_current) from analytics.shop_dim_customer") == [
        (3, 3)
    ]
    # and the warehouse tables were created from the exports' column types (no DDL was written)
    assert not list((PROJECT_ROOT / "include" / "sql" / "warehouse" / "ddl").glob("shop_*.sql"))
    loads = shop["logs"]["processing_to_warehouse"]
    assert "WAREHOUSE_RESULT table=shop_fact_order_lines exported=4 matched_in_warehouse=4" in loads
