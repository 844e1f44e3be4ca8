"""Rolling account summary on real Iceberg tables: any sequence of initial / forward / backfill runs must
equal the plain-Python oracle and a from-scratch initial build, and re-runs must change nothing."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spark_apps.account_summary import AccountSummary, SummaryTables
from spark_apps.config import load_summary_config
from spark_apps.months import month_number, month_text
from spark_apps.sample_data import Snapshot, account_snapshots
from tests.account_summary_helpers import comparable, source_frame
from tests.account_summary_oracle import expected_summary
from tests.property import examples

pytestmark = pytest.mark.spark
CFG = load_summary_config().model_copy(update={"history_length": 6})
FIRST = "2023-01"


class Lake:
    """A source table and a summary pair in a namespace of their own, fed one delivery (month) at a time."""

    def __init__(self, spark, table_io, name: str = "") -> None:
        ns = f"{table_io.catalog}.summary_{name or uuid.uuid4().hex[:8]}"
        self.spark, self.io = spark, table_io
        self.tables = SummaryTables(f"{ns}.snapshots", f"{ns}.summary", f"{ns}.latest")
        self.runner = AccountSummary(table_io, self.tables, CFG)
        self.delivered: list[dict] = []

    def deliver(self, snapshots: list[Snapshot]) -> None:
        if not snapshots:
            return
        frame = source_frame(self.spark, [s.values for s in snapshots])
        self.io.ensure_table(self.tables.source, frame.schema)
        self.io.append(frame, self.tables.source)
        self.delivered += [s.values for s in snapshots]

    def summary(self) -> dict:
        return comparable(self.spark.table(self.tables.summary), CFG)

    def latest(self) -> dict:
        return comparable(self.spark.table(self.tables.latest), CFG)

    def snapshot_ids(self) -> tuple:
        return tuple(self.io.last_commit(t).snapshot_id for t in (self.tables.summary, self.tables.latest))


@pytest.fixture(scope="module", params=["iceberg", "delta"])
def summary_io(request, table_io, delta_io):
    """The tests below on each table format: Iceberg and Delta."""
    return table_io if request.param == "iceberg" else delta_io


def month(offset: int) -> str:
    return month_text(month_number(FIRST) + offset)


def assert_matches_oracle(lake: Lake) -> None:
    expected, expected_latest = expected_summary(lake.delivered, CFG)
    summary = lake.summary()

    assert summary == expected
    assert lake.latest() == {(a, r["report_month"]): r for a, r in expected_latest.items()}
    for row in summary.values():
        assert all(len(row[c.name]) == CFG.history_length for c in CFG.rolling_columns)
        for grid in CFG.grid_columns:
            assert row[grid.name] == "".join(grid.missing if v is None else v for v in row[grid.source])


@examples(3)
@given(
    accounts=st.integers(2, 7),
    months=st.integers(3, 9),
    initial_until=st.integers(0, 3),
    plan=st.lists(st.sampled_from(["forward", "backfill", "both"]), min_size=12, max_size=12),
    seed=st.integers(0, 10_000),
)
def test_any_sequence_of_runs_equals_the_oracle_and_a_fresh_initial_build(
    spark, table_io, accounts, months, initial_until, plan, seed
):
    # (Iceberg only: up to 25 MERGEs per example; on Delta each costs several seconds more. The
    # month-by-month, re-run and backfill tests below run on both formats.)
    # Given deliveries with gaps, late and corrected snapshots, and an initial build on the first ones
    snapshots = list(account_snapshots(accounts, months, gap_rate=0.2, late_rate=0.15, invalid_rate=0.05, seed=seed))
    lake = Lake(spark, table_io)
    lake.deliver([s for s in snapshots if s.arrival <= initial_until])
    lake.runner.initial()

    # When each later delivery is followed by forward, backfill or both, and a final backfill catches up
    last_arrival = max(s.arrival for s in snapshots)
    for arrival, step in zip(range(initial_until + 1, last_arrival + 1), plan, strict=False):
        lake.deliver([s for s in snapshots if s.arrival == arrival])
        if step in ("forward", "both"):
            lake.runner.forward(month(arrival), month(arrival))
        if step in ("backfill", "both"):
            lake.runner.backfill()
    lake.deliver([s for s in snapshots if s.arrival > initial_until + len(plan)])
    lake.runner.backfill()

    # Then the summary equals the oracle, and a from-scratch initial build of the same source
    assert_matches_oracle(lake)
    fresh = Lake(spark, table_io)
    fresh.deliver(snapshots)
    fresh.runner.initial()
    assert fresh.summary() == lake.summary()


@pytest.fixture(scope="module")
def built(spark, summary_io) -> tuple[Lake, list[Snapshot]]:
    """Ten accounts over eight months, built month by month: initial, then one forward per month."""
    snapshots = list(account_snapshots(10, 8, gap_rate=0.1, late_rate=0.0, seed=3))
    lake = Lake(spark, summary_io, "built")
    lake.deliver([s for s in snapshots if s.arrival == 0])
    lake.runner.initial()
    for arrival in range(1, 8):
        lake.deliver([s for s in snapshots if s.arrival == arrival])
        result = lake.runner.forward(month(arrival), month(arrival))
        assert result.skipped == 0
    return lake, snapshots


def test_forward_month_by_month_equals_the_oracle(built):
    lake, _ = built

    assert_matches_oracle(lake)


def test_rerunning_any_mode_commits_nothing(built):
    lake, _ = built
    before = lake.snapshot_ids()

    forward, backfill = lake.runner.forward(), lake.runner.backfill()

    assert (forward.rows_written, backfill.rows_written) == (0, 0)
    assert forward.skipped == len(lake.delivered)  # every record is already summarised
    assert lake.snapshot_ids() == before


def test_backfill_rewrites_only_the_affected_accounts_from_the_late_month(built, spark, summary_io):
    # Given a corrected snapshot for account 3 in month 2 (a later base_ts, another rating)
    lake, _ = built
    old = next(r for r in lake.delivered if r["account_key"] == 3 and r["report_month"] == month(2))
    months_from_2 = sum(1 for (a, m) in lake.summary() if a == 3 and m >= month(2))
    lake.deliver([Snapshot(9, {**old, "base_ts": f"{month(6)}-20 10:00:00", "payment_rating_code": "D"})])

    # When forward runs, it leaves the late month alone and says so
    assert lake.runner.forward().skipped >= 1
    # and backfill rewrites account 3 from month 2 on, nothing else
    result = lake.runner.backfill()

    assert (result.records, result.accounts, result.rows_written) == (1, 1, months_from_2)
    assert summary_io.last_commit(lake.tables.summary).added_records == months_from_2
    assert lake.summary()[(3, month(2))]["payment_rating_history"][0] == "D"
    assert_matches_oracle(lake)


def test_summary_tables_use_merge_on_read_and_month_partitions(built, spark, summary_io):
    lake, _ = built
    if summary_io.table_format == "delta":  # Delta: month partitions; merge-on-read is Iceberg's
        assert spark.sql(f"DESCRIBE DETAIL {lake.tables.summary}").first()["partitionColumns"] == ["report_month"]
        assert spark.table(lake.tables.summary).select("report_month").distinct().count() == 8
        return
    props = {r["key"]: r["value"] for r in spark.sql(f"SHOW TBLPROPERTIES {lake.tables.summary}").collect()}
    partitions = spark.sql(f"SELECT partition FROM {lake.tables.summary}.partitions").count()

    assert props["write.merge.mode"] == "merge-on-read"
    assert props["write.update.mode"] == "merge-on-read"
    assert partitions == 8
