"""The retail domain's declared build on real Iceberg tables, batch after batch: SCD2 across changes, no-ops and
re-deliveries, idempotent re-runs, affected-partition marts, and full_refresh giving identical tables.

Raw tables are written directly (with their audit columns), so each test controls exactly what was
delivered when; landing → raw has tests of its own.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from spark_apps.domain_build import DomainBuild
from spark_apps.model_spec import DomainSpec, load_domain
from tests.integration.lake_helpers import RawLake

pytestmark = pytest.mark.spark

RAW_SCHEMAS = {
    "customers": "customer_id long, first_name string, last_name string, email string, country string,"
    " territory string, signup_date date",
    "transactions": "transaction_id string, customer_id long, product_id string, quantity int,"
    " amount decimal(12,2), transaction_date date, territory string",
    "products": "product_id string, product_name string, category string, unit_price decimal(12,2)",
    "fiscal_calendar": "calendar_date date, fiscal_year int, fiscal_quarter int, fiscal_month int, fiscal_week int",
}


class Lake(RawLake):
    """A throw-away Iceberg catalog holding the retail raw tables, and the build run against it."""

    def __init__(self, spark, test_env, root) -> None:
        super().__init__(spark, test_env, root, RAW_SCHEMAS)

    def build(self, mode: str = "incremental", domain: DomainSpec | None = None) -> list[str]:
        self.runs += 1
        domain = domain or load_domain("retail")
        report = DomainBuild(self.io, self.env, domain, f"run{self.runs}", AS_OF, mode == "full_refresh")
        return report.run().lines

    def contents(self) -> dict[str, list[tuple]]:
        """Every curated and mart table's rows, sorted: equal contents means equal tables."""
        tables = [m.name.split(".") for m in load_domain("retail").models]
        return {f"{ns}.{t}": sorted((tuple(r) for r in self.table(ns, t).collect()), key=repr) for ns, t in tables}

    def versions(self, customer_id: int) -> list[tuple]:
        rows = self.table("curated", "dim_customer").where(f"customer_id = {customer_id}").collect()
        return sorted((r["email"], r["valid_from"], r["valid_to"], r["is_current"]) for r in rows)

    def customer_key_of(self, transaction_id: str) -> int:
        return (
            self.table("curated", "fact_transactions")
            .where(f"transaction_id = '{transaction_id}'")
            .first()["customer_key"]
        )

    def key_of_version(self, customer_id: int, valid_from: dt.date) -> int:
        row = (
            self.table("curated", "dim_customer")
            .where(f"customer_id = {customer_id} AND valid_from = DATE'{valid_from}'")
            .first()
        )
        return row["customer_key"]


def customer(cid: int, email: str, first: str = "Ann") -> tuple:
    return (cid, first, "Lee", email, "US", "North America", dt.date(2025, 1, 1))


def sale(tid: str, cid: int, day: dt.date, amount: str = "100.00", product: str = "P1") -> tuple:
    return (tid, cid, product, 1, Decimal(amount), day, "Europe")


AS_OF = dt.date(2026, 1, 3)
DEC, JAN, FEB = dt.date(2025, 12, 20), dt.date(2026, 1, 10), dt.date(2026, 2, 10)
START, OPEN = dt.date(1900, 1, 1), dt.date(9999, 12, 31)
CALENDAR = [(dt.date(2026, 1, 1) + dt.timedelta(days=i), 2026, 4, 12, 49) for i in range(31)] + [
    (dt.date(2026, 2, 1) + dt.timedelta(days=i), 2027, 1, 1, 1) for i in range(28)
]


@pytest.fixture(scope="module")
def three_batches(spark, test_env, scratch):
    """Batch 1: two customers and their December sales (December is missing from the fiscal calendar,
    so those dates take the unknown date member). Batch 2: customer 1 changes e-mail, customer 2 is
    re-delivered unchanged, a sale by a customer not yet known. Batch 3: customer 1 re-delivered as is,
    the unknown customer 3 arrives, and batch 1's sale T1 is re-delivered."""
    lake = Lake(spark, test_env, scratch / "model-build")
    snapshots = []
    lake.deliver(
        "2026-01-01",
        customers=[customer(1, "a@x"), customer(2, "b@x", "Bo")],
        transactions=[sale("T1", 1, DEC), sale("T2", 2, DEC, "-50.00")],
        products=[("P1", "Headphones", "Audio", Decimal("100.00"))],
        fiscal_calendar=CALENDAR,
    )
    lines = [lake.build()]
    snapshots.append(lake.contents())
    lake.deliver(
        "2026-01-02",
        customers=[customer(1, "a2@x"), customer(2, "b@x", "Bo")],
        transactions=[sale("T3", 1, JAN), sale("T4", 3, FEB, "7000.00")],
    )
    lines.append(lake.build())
    snapshots.append(lake.contents())
    lake.deliver(
        "2026-01-03",
        customers=[customer(1, "a2@x"), customer(3, "c@x", "Cy")],
        transactions=[sale("T1", 1, DEC)],
    )
    lines.append(lake.build())
    snapshots.append(lake.contents())
    return lake, snapshots, lines


def test_scd2_after_three_batches_of_changes_no_ops_and_redeliveries(three_batches):
    lake, _, _ = three_batches

    assert lake.versions(1) == [("a2@x", dt.date(2026, 1, 2), OPEN, True), ("a@x", START, dt.date(2026, 1, 2), False)]
    assert lake.versions(2) == [("b@x", START, OPEN, True)]
    assert lake.versions(3) == [("c@x", START, OPEN, True)]
    dim = lake.table("curated", "dim_customer")
    assert dim.where("is_current").groupBy("customer_id").count().where("count <> 1").count() == 0
    assert dim.count() == 5  # 1 has two versions, 2 and 3 one each, plus the unknown member


def test_unchanged_redelivery_leaves_the_dimension_row_untouched(three_batches):
    _, snapshots, lines = three_batches
    customer_2 = [r for r in snapshots[0]["curated.dim_customer"] if r[1] == 2]

    assert [r for r in snapshots[1]["curated.dim_customer"] if r[1] == 2] == customer_2
    dim = results(lines[1])["curated.dim_customer"]
    assert (dim["keys_in_scope"], dim["keys_changed"]) == ("2", "1")  # both delivered, only customer 1 changed


def results(lines: list[str]) -> dict[str, dict[str, str]]:
    """``PROCESSING_RESULT table=<catalog>.<ns>.<t> k=v ...`` lines by ``<ns>.<t>``."""
    out = {}
    for line in lines:
        fields = dict(f.split("=", 1) for f in line.split()[1:])
        out[fields.pop("table").split(".", 1)[1]] = fields
    return out


def test_fact_keys_follow_the_version_valid_on_the_date_and_late_customers_resolve(three_batches):
    lake, snapshots, _ = three_batches

    assert lake.customer_key_of("T1") == lake.key_of_version(1, START)  # December: before the change
    assert lake.customer_key_of("T3") == lake.key_of_version(1, dt.date(2026, 1, 2))  # after it
    assert lake.customer_key_of("T4") == lake.key_of_version(3, START)
    t4_before = next(r for r in snapshots[1]["curated.fact_transactions"] if r[0] == "T4")
    assert t4_before[2] == -1  # the unknown member until customer 3 arrived; never dropped
    fact = lake.table("curated", "fact_transactions")
    assert fact.count() == 4  # T1 re-delivered, still once
    assert fact.where("transaction_id IN ('T1', 'T2')").select("date_key").distinct().first()[0] == -1


def test_rerun_with_nothing_new_changes_no_table(three_batches):
    lake, snapshots, _ = three_batches

    lines = results(lake.build())

    assert lake.contents() == snapshots[-1]
    assert lines["curated.fact_transactions"]["rows_selected"] == "0"
    assert lines["marts.monthly_summary"]["partitions_rebuilt"] == "0"


def test_full_refresh_gives_the_tables_the_incremental_runs_gave(three_batches):
    lake, snapshots, _ = three_batches

    lake.build("full_refresh")

    assert lake.contents() == snapshots[-1]


def test_marts_rebuild_only_the_months_and_fiscal_years_that_changed(three_batches):
    _, snapshots, lines = three_batches

    # batch 3 recomputed December's T1 (re-delivered) and February's T4 (customer 3 arrived)
    batch3 = results(lines[2])
    assert batch3["curated.fact_transactions"]["rows_selected"] == "2"
    assert batch3["marts.monthly_summary"]["partitions_rebuilt"] == "2"
    assert batch3["marts.sales_by_fiscal_period"]["partitions_rebuilt"] == "2"  # FY 2027 and the unknown year (-1)
    assert batch3["marts.customer_segments"]["materialization"] == "full"  # a ranking: recomputed whole
    monthly = {r[0]: r for r in snapshots[-1]["marts.monthly_summary"]}
    assert {m: (r[1], r[2]) for m, r in monthly.items()} == {
        "2025-12": (Decimal("100.00"), Decimal("50.00")),
        "2026-01": (Decimal("100.00"), Decimal("0.00")),
        "2026-02": (Decimal("7000.00"), Decimal("0.00")),
    }


def test_late_delivery_for_an_earlier_date_rewrites_history_like_a_full_refresh(spark, test_env, scratch):
    # given: customer 5 changes on 2026-01-03; then the 2026-01-02 landing batch, which already held the
    # change, is loaded late
    lake = Lake(spark, test_env, scratch / "model-build-late")
    lake.deliver(
        "2026-01-01",
        customers=[customer(5, "a@x")],
        transactions=[sale("T9", 5, JAN)],
        products=[("P1", "Headphones", "Audio", Decimal("100.00"))],
        fiscal_calendar=CALENDAR,
    )
    lake.build()
    lake.deliver("2026-01-03", customers=[customer(5, "b@x")])
    lake.build()
    assert lake.versions(5) == [("a@x", START, dt.date(2026, 1, 3), False), ("b@x", dt.date(2026, 1, 3), OPEN, True)]

    # when
    lake.deliver("2026-01-02", customers=[customer(5, "b@x")])
    lake.build()

    # then: the change dates from 2026-01-02, the 2026-01-03 version is gone, and T9 moved with it
    assert lake.versions(5) == [("a@x", START, dt.date(2026, 1, 2), False), ("b@x", dt.date(2026, 1, 2), OPEN, True)]
    assert lake.customer_key_of("T9") == lake.key_of_version(5, dt.date(2026, 1, 2))
    incremental = lake.contents()
    lake.build("full_refresh")
    assert lake.contents() == incremental


def test_marts_declared_without_partitions_from_rebuild_every_partition_with_the_same_result(three_batches):
    # given the retail declarations with no mart rebuilding only the partitions its upstream changed
    lake, snapshots, _ = three_batches
    retail = load_domain("retail")
    models = [m.model_copy(update={"partitions_from": None}) for m in retail.models]
    whole = retail.model_copy(update={"models": models})

    lines = results(lake.build(domain=whole))

    # then every partition is rebuilt (December, January, February; fiscal years -1, 2026, 2027), same rows
    partitioned = ("marts.monthly_summary", "marts.regional_performance", "marts.sales_by_fiscal_period")
    assert {lines[m]["partitions_rebuilt"] for m in partitioned} == {"3"}
    assert lake.contents() == snapshots[-1]


def test_full_refresh_drops_fact_rows_raw_no_longer_holds_an_incremental_run_keeps_them(spark, test_env, scratch):
    # given two transactions built, then one removed from raw (as re-running its raw batch would)
    lake = Lake(spark, test_env, scratch / "model-build-removed")
    lake.deliver(
        "2026-01-01",
        customers=[customer(1, "a@x")],
        transactions=[sale("T1", 1, JAN), sale("T2", 1, JAN, "40.00")],
        products=[("P1", "Headphones", "Audio", Decimal("100.00"))],
        fiscal_calendar=CALENDAR,
    )
    lake.build()
    spark.sql(f"DELETE FROM {lake.env.table('raw', 'transactions')} WHERE transaction_id = 'T2'")

    # when an incremental run finds nothing new, then a full refresh reads everything
    lake.build()
    kept = sorted(r[0] for r in lake.table("curated", "fact_transactions").select("transaction_id").collect())
    lake.build("full_refresh")

    # then only the full refresh removed T2, from the fact and from January's mart row
    assert kept == ["T1", "T2"]
    assert [r[0] for r in lake.table("curated", "fact_transactions").select("transaction_id").collect()] == ["T1"]
    january = lake.table("marts", "monthly_summary").where("month = '2026-01'").first()
    assert (january["sales_amount"], january["transactions"]) == (Decimal("100.00"), 1)
