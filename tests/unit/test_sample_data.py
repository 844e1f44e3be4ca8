"""The generator is deterministic and counts the faults it injects exactly."""

from __future__ import annotations

import csv

from spark_apps.sample_data import FaultRates, generate


def read_all(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*.csv"))}


def test_same_seed_gives_identical_files(tmp_path):
    generate(tmp_path / "a", "2026-01-01", 50, 500, seed=3, faults=FaultRates.uniform(0.05))
    generate(tmp_path / "b", "2026-01-01", 50, 500, seed=3, faults=FaultRates.uniform(0.05))

    assert read_all(tmp_path / "a") == read_all(tmp_path / "b")


def test_different_seed_gives_different_data(tmp_path):
    generate(tmp_path / "a", "2026-01-01", 50, 500, seed=3, faults=FaultRates())
    generate(tmp_path / "b", "2026-01-01", 50, 500, seed=4, faults=FaultRates())

    assert read_all(tmp_path / "a") != read_all(tmp_path / "b")


def test_sizes_files_and_fault_counts_match_the_summary(tmp_path):
    summary = generate(tmp_path, "2026-01-01", 100, 1000, seed=1, faults=FaultRates.uniform(0.05), rows_per_file=400)

    tx_files = sorted((tmp_path / "transactions" / "2026-01-01").glob("*.csv"))
    tx_rows = [row for f in tx_files for row in list(csv.reader(f.open()))[1:]]
    assert len(tx_files) == 3  # 1000 rows + duplicates, 400 per file
    assert len(tx_rows) == summary.rows["transactions"] == 1000 + summary.faults["transactions.duplicate"]
    unparseable = [r for r in tx_rows if r[1] == "" or r[4] == "12,5O" or r[5] == "2026-13-45"]
    repeats = len(tx_rows) - len({r[0] for r in tx_rows})
    assert repeats == summary.faults["transactions.duplicate"] > 0
    # Unparseable originals are quarantined; so is every repeat (duplicate key), faulty or not.
    unparseable_originals = len({r[0] for r in unparseable})
    assert unparseable_originals + repeats == summary.quarantine_expected["transactions"]
    orphan_ids = {r[0] for r in tx_rows if r[1] and int(r[1]) > 100}
    assert summary.faults["transactions.orphan_customer"] == len(orphan_ids)


def test_clean_generation_has_no_faults(tmp_path):
    summary = generate(tmp_path, "2026-01-01", 20, 100, seed=1, faults=FaultRates())

    assert summary.quarantine_expected == {}
    assert summary.faults == {}
    assert summary.rows == {"customers": 20, "transactions": 100, "products": 40, "fiscal_calendar": 1096}


def test_account_snapshots_are_deterministic_with_gaps_and_late_corrections():
    from spark_apps.sample_data import account_snapshots

    def run(seed: int) -> list:
        return [(s.arrival, s.csv_row()) for s in account_snapshots(200, 12, gap_rate=0.1, late_rate=0.05, seed=seed)]

    first, again, other = run(3), run(3), run(4)
    keys = [(row[0], row[2]) for _, row in first]
    late = [row for arrival, row in first if arrival > int(row[2][5:7]) - 1 + (int(row[2][:4]) - 2023) * 12]

    assert first == again and first != other
    assert 0.85 * 200 * 12 < len(set(keys)) < 0.95 * 200 * 12  # about 10 % of months are gaps
    assert len(keys) > len(set(keys))  # corrections re-report a month with a later base_ts
    assert 0.05 * len(first) < len(late) < 0.15 * len(first)  # late and corrected arrivals, ~5 % each


def test_transactions_are_in_their_customers_territory_and_some_are_large_orders(tmp_path):
    # given a clean generation
    generate(tmp_path, "2026-01-01", 50, 2000, seed=2, faults=FaultRates())

    # when customers and transactions are read back
    def rows(source: str) -> list[dict]:
        (path,) = (tmp_path / source / "2026-01-01").glob("*.csv")
        return list(csv.DictReader(path.open()))

    territory = {c["customer_id"]: c["territory"] for c in rows("customers")}
    transactions = rows("transactions")

    # then every transaction carries its customer's territory, and bulk orders cross the 5,000 threshold
    assert all(t["territory"] == territory[t["customer_id"]] for t in transactions)
    large = [t for t in transactions if abs(float(t["amount"])) >= 5000]
    assert len(large) == 2000 // 500


def test_customer_changes_arrive_the_next_day_with_a_new_territory_and_email(tmp_path):
    # given a generation with 10 % of the valid customers changed
    summary = generate(tmp_path, "2026-01-01", 100, 200, seed=5, faults=FaultRates.uniform(0.05), customer_changes=0.1)

    # when both deliveries are read
    def customers(day: str) -> dict[str, dict]:
        (path,) = (tmp_path / "customers" / day).glob("*.csv")
        return {r["customer_id"]: r for r in csv.DictReader(path.open())}

    first, changes = customers("2026-01-01"), customers("2026-01-02")

    # then the changes are known, valid customers, each in another territory with a new email
    assert (
        len(changes)
        == summary.faults["customers.changed"]
        == round(0.1 * (100 - summary.quarantine_expected["customers"]))
    )
    for cid, row in changes.items():
        assert row["territory"] != first[cid]["territory"]
        assert row["email"] == first[cid]["email"].replace("@example.com", "@example.org")
        assert (row["first_name"], row["signup_date"]) == (first[cid]["first_name"], first[cid]["signup_date"])
    assert summary.rows["customers"] == 100 + len(changes)
    assert len(summary.files["customers"]) == 2
