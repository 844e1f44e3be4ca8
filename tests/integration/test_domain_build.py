"""Declared models on real Iceberg tables: the banking domain (seed S0) from its YAML alone, SCD2 history
across deliveries, idempotent re-runs, optional inputs, composite keys and a key clash that writes nothing.

Raw tables are written directly with their audit columns (``RawLake``), so each test controls exactly
what was delivered when.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from spark_apps.config import load_contracts
from spark_apps.domain_build import DomainBuild, ModelError
from spark_apps.model_spec import DomainSpec, load_domain
from tests.integration.lake_helpers import RawLake, contract_schema

pytestmark = pytest.mark.spark

AS_OF = dt.date(2026, 3, 1)
START, OPEN = dt.date(1900, 1, 1), dt.date(9999, 12, 31)


class DomainLake(RawLake):
    """Raw tables of every declared source, and a domain's build against them."""

    def __init__(self, spark, test_env, root) -> None:
        schemas = {name: contract_schema(c) for name, c in load_contracts().items()}
        super().__init__(spark, test_env, root, schemas)

    def build(self, domain: DomainSpec, full_refresh: bool = False) -> list[str]:
        self.runs += 1
        return DomainBuild(self.io, self.env, domain, f"run{self.runs}", AS_OF, full_refresh).run().lines

    def rows(self, namespace: str, name: str, *columns: str) -> list[tuple]:
        """The columns' values, sorted with nulls first."""
        rows = [tuple(r) for r in self.table(namespace, name).select(*columns).collect()]
        return sorted(rows, key=lambda row: tuple((v is not None, v) for v in row))


@pytest.fixture
def lake(spark, test_env, tmp_path) -> DomainLake:
    return DomainLake(spark, test_env, tmp_path)


def bank_customer(cid: str, name: str, city: str = "Leeds") -> tuple:
    return (cid, name, f"{name.lower()}@bank.test", city, "retail", dt.date(2020, 5, 1))


def account(aid: str, cid: str, kind: str, balance: str, status: str = "active") -> tuple:
    return (aid, cid, kind, Decimal(balance), dt.date(2021, 1, 4), status)


S0_CUSTOMERS = [bank_customer("C001", "Alice"), bank_customer("C002", "Bob")]
S0_ACCOUNTS = [
    account("A001", "C001", "savings", "5000.00"),
    account("A002", "C002", "savings", "15000.00"),
    account("A003", "C001", "checking", "1200.00"),
]


def test_the_seed_s0_sample_comes_out_exactly(lake):
    # given S0's two savings accounts (and a checking account that earns no savings interest)
    lake.deliver("2026-02-01", bank_customers=S0_CUSTOMERS, bank_accounts=S0_ACCOUNTS)

    # when the banking domain is built from its declarations
    lake.build(load_domain("banking"))

    # then A001 earns 3.50 % on 5,000.00 and A002 4.00 % on 15,000.00, calculated at the run's date
    assert lake.rows(
        "marts",
        "account_interest_summary",
        "account_id",
        "customer_id",
        "original_balance_amount",
        "interest_rate_pct",
        "annual_interest_amount",
        "new_balance_amount",
        "calculated_at",
    ) == [
        (
            "A001",
            "C001",
            Decimal("5000.00"),
            Decimal("3.50"),
            Decimal("175.00"),
            Decimal("5175.00"),
            dt.datetime(2026, 3, 1),
        ),
        (
            "A002",
            "C002",
            Decimal("15000.00"),
            Decimal("4.00"),
            Decimal("600.00"),
            Decimal("15600.00"),
            dt.datetime(2026, 3, 1),
        ),
    ]
    # and each customer's profile adds up their open accounts and interest
    assert lake.rows(
        "marts", "customer_profile", "customer_id", "open_accounts", "total_balance", "annual_interest_amount"
    ) == [("C001", 2, Decimal("6200.00"), Decimal("175.00")), ("C002", 1, Decimal("15000.00"), Decimal("600.00"))]


def test_a_change_opens_a_version_and_a_rerun_changes_nothing(lake):
    # given S0 built, then a delivery moving Alice to York and A001 to 12,000.00
    lake.deliver("2026-02-01", bank_customers=S0_CUSTOMERS, bank_accounts=S0_ACCOUNTS)
    lake.build(load_domain("banking"))
    lake.deliver(
        "2026-02-15",
        bank_customers=[bank_customer("C001", "Alice", city="York")],
        bank_accounts=[account("A001", "C001", "savings", "12000.00")],
    )

    # when the domain is built again, and then once more with nothing new
    lake.build(load_domain("banking"))
    tables = [("curated", "dim_bank_customer"), ("curated", "dim_bank_account"), ("marts", "account_interest_summary")]
    before = {t: lake.rows(*t, *lake.table(*t).columns) for t in tables}
    lake.build(load_domain("banking"))

    # then Alice has two contiguous versions, only the second current
    versions = lake.rows("curated", "dim_bank_customer", "customer_id", "city", "valid_from", "valid_to", "is_current")
    assert [v for v in versions if v[0] == "C001"] == [
        ("C001", "Leeds", START, dt.date(2026, 2, 15), False),
        ("C001", "York", dt.date(2026, 2, 15), OPEN, True),
    ]
    # and A001's interest moved to the 4.00 % band on its new balance
    assert ("A001", Decimal("4.00"), Decimal("480.00"), Decimal("12480.00")) in lake.rows(
        "marts",
        "account_interest_summary",
        "account_id",
        "interest_rate_pct",
        "annual_interest_amount",
        "new_balance_amount",
    )
    # and the re-run changed no row of any table
    assert {t: lake.rows(*t, *lake.table(*t).columns) for t in tables} == before
    # and a full refresh gives the same tables
    lake.build(load_domain("banking"), full_refresh=True)
    assert {t: lake.rows(*t, *lake.table(*t).columns) for t in tables} == before


def test_an_account_of_an_unknown_customer_points_to_the_unknown_member(lake):
    # given a savings account whose customer was never delivered
    lake.deliver("2026-02-01", bank_customers=S0_CUSTOMERS, bank_accounts=[account("A009", "C999", "savings", "10.00")])

    # when built
    lake.build(load_domain("banking"))

    # then it is kept, with the unknown member's key, which the dimension holds
    assert lake.rows("curated", "int_savings_accounts", "account_id", "customer_sk") == [("A009", -1)]
    assert lake.rows("curated", "dim_bank_customer", "customer_sk", "full_name", "is_current")[0] == (
        -1,
        "Unknown",
        True,
    )


def _domain(models: list[dict], seeds: dict | None = None) -> DomainSpec:
    return DomainSpec.model_validate({"name": "probe", "description": "test", "models": models, "seeds": seeds or {}})


def test_a_missing_optional_input_reads_as_empty(lake):
    # given a model whose accounts input is optional and never delivered
    domain = _domain(
        [
            {
                "name": "curated.account_count",
                "inputs": {"accounts": {"table": "raw.bank_accounts", "optional": True}},
                "select": "SELECT 'all' AS scope, COUNT(*) AS accounts FROM accounts",
                "keys": ["scope"],
            }
        ]
    )

    # when built
    lake.build(domain)

    # then it builds from an empty table instead of failing on every retry
    assert lake.rows("curated", "account_count", "scope", "accounts") == [("all", 0)]


def test_a_composite_key_is_kept_and_a_key_clash_writes_nothing(lake):
    # given accounts of two customers, and a model keyed by (customer_id, account_type)
    lake.deliver("2026-02-01", bank_accounts=S0_ACCOUNTS)
    by_type = (
        "SELECT customer_id, account_type, SUM(balance) AS balance FROM accounts GROUP BY customer_id, account_type"
    )
    composite = _domain(
        [{"name": "marts.balance_by_type", "inputs": {"accounts": "raw.bank_accounts"}, "select": by_type,
          "keys": ["customer_id", "account_type"]}]
    )  # fmt: skip

    # when built
    lake.build(composite)

    # then one row per (customer, type)
    assert lake.rows("marts", "balance_by_type", "customer_id", "account_type") == [
        ("C001", "checking"),
        ("C001", "savings"),
        ("C002", "savings"),
    ]

    # when a model's declared key is not unique in its select
    clash = _domain(
        [{"name": "marts.balance_by_customer", "inputs": {"accounts": "raw.bank_accounts"},
          "select": "SELECT customer_id, balance FROM accounts", "keys": ["customer_id"]}]
    )  # fmt: skip
    with pytest.raises(ModelError, match=r"marts.balance_by_customer: more than one row per key \(customer_id\).*C001"):
        lake.build(clash)

    # then nothing of it was written
    assert not lake.io.exists(lake.env.table("marts", "balance_by_customer"))


def app_event(eid: str, user: str | None, kind: str, at: str, rt: int, error: bool = False) -> tuple:
    return (eid, user, kind, dt.datetime.fromisoformat(at), "ios", '{"page":"home"}', rt, error)


def click(cid: str, session: str, user: str, page: str, at: str, depth: int) -> tuple:
    return (cid, session, user, page, dt.datetime.fromisoformat(at), depth)


def test_the_events_domain_gives_sessions_users_segments_and_kpis(lake):
    # given a day of events (one invalid type, one without user) and a session of three page views,
    # then a purchase re-delivered in a later batch with another response time
    lake.deliver(
        "2026-02-01",
        app_events=[
            app_event("E1", "U1", "app_open", "2026-01-31 10:05:00", 100),
            app_event("E2", "U1", "purchase", "2026-01-31 10:20:00", 300),
            app_event("E3", "U1", "teleport", "2026-01-31 10:30:00", 100),
            app_event("E4", None, "click", "2026-01-31 10:40:00", 100),
            app_event("E5", "U2", "click", "2026-01-20 09:00:00", 2500, error=True),
        ],
        clickstream=[
            click("K1", "S1", "U1", "home", "2026-01-31 10:05:00", 40),
            click("K3", "S1", "U1", "checkout", "2026-01-31 10:10:00", 60),
            click("K2", "S1", "U1", "product", "2026-01-31 10:07:00", 80),
        ],
    )
    lake.build(load_domain("events"))
    lake.deliver("2026-02-02", app_events=[app_event("E2", "U1", "purchase", "2026-01-31 10:20:00", 350)])

    # when built again (the staging model reads only the new delivery)
    lines = lake.build(load_domain("events"))

    # then every event is kept once, the re-delivery replacing its predecessor, invalid ones flagged
    assert lake.rows("curated", "stg_app_events", "event_id", "response_time_ms", "is_valid") == [
        ("E1", 100, True),
        ("E2", 350, True),
        ("E3", 100, False),
        ("E4", 100, False),
        ("E5", 2500, True),
    ]
    assert any("stg_app_events materialization=incremental_merge rows=5 rows_selected=1" in line for line in lines)
    # and the session has its pages in time order
    assert lake.rows(
        "curated", "app_sessions", "session_id", "duration_seconds", "page_views", "avg_scroll_depth", "page_sequence"
    ) == [("S1", 300, 3, Decimal("60.00"), "home > product > checkout")]
    # and users are scored (app_open 1 + purchase 10; click 2) and segmented as of 2026-03-01
    assert lake.rows(
        "marts", "app_user_segments", "user_id", "engagement_score", "segment", "days_since_last_event", "churn_risk"
    ) == [("U1", 11, "Regular", 29, "medium"), ("U2", 2, "Inactive", 40, "high")]
    # and the KPIs count valid events only: new and returning users, error rate, p95, health
    assert lake.rows(
        "marts",
        "daily_event_summary",
        "event_date",
        "events",
        "active_users",
        "new_users",
        "returning_users",
        "purchases",
    ) == [(dt.date(2026, 1, 20), 1, 1, 1, 0, 0), (dt.date(2026, 1, 31), 2, 1, 1, 0, 1)]
    assert lake.rows(
        "marts", "hourly_operational_metrics", "event_hour", "error_rate", "p95_response_time_ms", "health_status"
    ) == [
        (dt.datetime(2026, 1, 20, 9), Decimal("1.0000"), Decimal("2500.00"), "unhealthy"),
        (dt.datetime(2026, 1, 31, 10), Decimal("0.0000"), Decimal("337.50"), "healthy"),
    ]
    assert lake.rows("marts", "hourly_event_metrics", "event_hour", "event_type", "events", "errors") == [
        (dt.datetime(2026, 1, 20, 9), "click", 1, 1),
        (dt.datetime(2026, 1, 31, 10), "app_open", 1, 0),
        (dt.datetime(2026, 1, 31, 10), "purchase", 1, 0),
    ]
