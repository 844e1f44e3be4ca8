"""Deterministic sample data for the retail pipeline, written into a landing zone.

    python -m spark_apps.sample_data --landing data/lake/landing --batch-date 2026-01-01 \
        --customers 1000 --transactions 20000 --seed 7 --fault-rate 0.01

Same seed and sizes, same bytes. Faults are injected at the given rates and counted exactly: the
summary (stdout, JSON) says how many rows the raw layer must quarantine (contract failures, duplicate
keys, and bad emails, which the raw quality rule ``email_format`` catches) and how many rows carry
faults that only processing sees (orphan customer ids become the unknown member).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from spark_apps.months import add_months

FIRST = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana", "Ivan", "Jo", "Kofi", "Lena"]
LAST = ["Silva", "Okafor", "Novak", "Berg", "Kim", "Haddad", "Moreau", "Rossi", "Tanaka", "Walsh"]
TERRITORIES = [
    ("US", "North America"),
    ("CA", "North America"),
    ("DE", "Europe"),
    ("FR", "Europe"),
    ("JP", "Asia Pacific"),
    ("AU", "Asia Pacific"),
    ("BR", "Latin America"),
]
PRODUCTS = [f"P{i:03d}" for i in range(1, 41)]
PRICES = {p: round(5 + (i * 37 % 400) + (i % 7) * 0.25, 2) for i, p in enumerate(PRODUCTS)}
# Categories as in config/domains/retail/rules.yaml's product families, plus one mapped to no family.
CATEGORIES = ["Audio", "Computing", "Phones", "Kitchen", "Furniture", "Lighting", "Sports", "Books", "Garden"]
PROGRESS_EVERY = 250_000


@dataclass(frozen=True)
class FaultRates:
    nulls: float = 0.0  # a required value left empty          -> quarantined at raw
    bad_dates: float = 0.0  # an unparseable date                   -> quarantined at raw
    bad_amounts: float = 0.0  # an unparseable amount                 -> quarantined at raw
    bad_emails: float = 0.0  # a malformed email (contract-valid)   -> quarantined by the raw quality gate
    duplicates: float = 0.0  # a transaction delivered twice         -> deduplicated downstream
    orphans: float = 0.0  # a customer id with no customer        -> unknown member in the fact

    @classmethod
    def uniform(cls, rate: float) -> FaultRates:
        return cls(rate, rate, rate, rate, rate, rate)


@dataclass
class Summary:
    batch_date: str
    files: dict[str, list[str]] = field(default_factory=dict)
    rows: Counter = field(default_factory=Counter)
    quarantine_expected: Counter = field(default_factory=Counter)
    faults: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {
            "batch_date": self.batch_date,
            "files": self.files,
            "rows": dict(self.rows),
            "quarantine_expected": dict(self.quarantine_expected),
            "faults": dict(self.faults),
        }


def _progress(label: str, n: int, total: int) -> None:
    if total >= PROGRESS_EVERY and n % PROGRESS_EVERY == 0:
        print(f"  {label}: {n:,}/{total:,} rows", file=sys.stderr, flush=True)


def customer_rows(
    n: int,
    batch_date: dt.date,
    rng: random.Random,
    faults: FaultRates,
    summary: Summary,
    territories: dict[int, str] | None = None,
    valid: dict[int, list[str]] | None = None,
) -> Iterator[list[str]]:
    """Customers 1..n; each one's territory is recorded in ``territories`` for its transactions, and each
    row without a fault in ``valid`` (what a later delivery may change)."""
    for cid in range(1, n + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        country, territory = rng.choice(TERRITORIES)
        if territories is not None:
            territories[cid] = territory
        email = f"{first}.{last}{cid}@example.com".lower()
        signup = (batch_date - dt.timedelta(days=rng.randint(1, 1500))).isoformat()
        row_id = str(cid)
        roll = rng.random()
        if roll < faults.nulls:
            row_id = ""
            summary.quarantine_expected["customers"] += 1
            summary.faults["customers.null_id"] += 1
        elif roll < faults.nulls + faults.bad_dates:
            signup = "31/31/2020"
            summary.quarantine_expected["customers"] += 1
            summary.faults["customers.bad_date"] += 1
        elif roll < faults.nulls + faults.bad_dates + faults.bad_emails:
            email = email.replace("@", "_at_")
            summary.quarantine_expected["customers"] += 1  # by the raw quality rule email_format
            summary.faults["customers.bad_email"] += 1
        else:
            if valid is not None:
                valid[cid] = [row_id, first, last, email, country, territory, signup]
        summary.rows["customers"] += 1
        _progress("customers", cid, n)
        yield [row_id, first, last, email, country, territory, signup]


def customer_change_rows(
    valid: dict[int, list[str]], rate: float, rng: random.Random, summary: Summary
) -> Iterator[list[str]]:
    """A later delivery of ``rate`` of the valid customers, each moved to another territory with a new
    email: tracked attributes, so each opens a new SCD2 version from that delivery's date."""
    for cid in sorted(rng.sample(sorted(valid), round(len(valid) * rate))):
        row = list(valid[cid])
        country, territory = rng.choice([t for t in TERRITORIES if t[1] != row[5]])
        row[3], row[4], row[5] = row[3].replace("@example.com", "@example.org"), country, territory
        summary.rows["customers"] += 1
        summary.faults["customers.changed"] += 1
        yield row


# One sale in this many is a bulk order of an expensive product, above the large-order threshold (5,000).
LARGE_ORDER_EVERY = 500


def transaction_rows(
    n: int,
    n_customers: int,
    batch_date: dt.date,
    rng: random.Random,
    faults: FaultRates,
    summary: Summary,
    territories: dict[int, str] | None = None,
) -> Iterator[list[str]]:
    """Sales (and 10 % refunds) of known customers, in their own territory (``territories``), with faults."""
    emitted = 0
    expensive = sorted(PRODUCTS, key=PRICES.__getitem__)[-10:]
    for i in range(1, n + 1):
        product = rng.choice(PRODUCTS)
        qty = rng.randint(1, 5)
        if i % LARGE_ORDER_EVERY == 0:
            product, qty = expensive[i // LARGE_ORDER_EVERY % len(expensive)], 25
        amount = PRICES[product] * qty * (1 if rng.random() > 0.1 else -1)
        day = batch_date - dt.timedelta(days=rng.randint(0, 27))
        date_text = day.isoformat() if rng.random() > 0.1 else day.strftime("%d/%m/%Y")
        customer_id = rng.randint(1, n_customers)
        customer = str(customer_id)
        amount_text = f"{amount:.2f}"
        _, territory = rng.choice(TERRITORIES)
        territory = (territories or {}).get(customer_id, territory)
        roll = rng.random()
        edges = [faults.nulls, faults.bad_dates, faults.bad_amounts, faults.orphans]
        if roll < edges[0]:
            customer = ""
            summary.quarantine_expected["transactions"] += 1
            summary.faults["transactions.null_customer"] += 1
        elif roll < sum(edges[:2]):
            date_text = "2026-13-45"
            summary.quarantine_expected["transactions"] += 1
            summary.faults["transactions.bad_date"] += 1
        elif roll < sum(edges[:3]):
            amount_text = "12,5O"
            summary.quarantine_expected["transactions"] += 1
            summary.faults["transactions.bad_amount"] += 1
        elif roll < sum(edges):
            customer = str(n_customers + 1000 + i)
            summary.faults["transactions.orphan_customer"] += 1
        row = [f"T{i:09d}", customer, product, str(qty), amount_text, date_text, territory]
        yield row
        emitted += 1
        if rng.random() < faults.duplicates:
            # A repeated key inside one delivery is quarantined at raw (duplicate primary key).
            summary.faults["transactions.duplicate"] += 1
            summary.quarantine_expected["transactions"] += 1
            yield row
            emitted += 1
        _progress("transactions", i, n)
    summary.rows["transactions"] += emitted


def product_rows(summary: Summary) -> Iterator[list[str]]:
    """The product master: every product the transactions sell, one category each."""
    for i, product in enumerate(PRODUCTS):
        category = CATEGORIES[i % len(CATEGORIES)]
        summary.rows["products"] += 1
        yield [product, f"{category} item {i + 1}", category, f"{PRICES[product]:.2f}"]


def fiscal_calendar_rows(start: dt.date, days: int, summary: Summary) -> Iterator[list[str]]:
    """A 4-4-5 calendar: fiscal years start on the first Sunday on or after 1 February."""

    def fy_start(year: int) -> dt.date:
        d = dt.date(year, 2, 1)
        return d + dt.timedelta(days=(6 - d.weekday()) % 7)

    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        year = day.year if day >= fy_start(day.year) else day.year - 1
        week = min((day - fy_start(year)).days // 7 + 1, 53)
        period = min((week - 1) // 13, 3)
        in_quarter = min((week - 1) - period * 13, 12)
        month = period * 3 + (0 if in_quarter < 4 else 1 if in_quarter < 8 else 2) + 1
        summary.rows["fiscal_calendar"] += 1
        yield [day.isoformat(), str(year + 1), str(period + 1), str(month), str(week)]


ACCOUNT_SNAPSHOT_COLUMNS = [
    "account_key",
    "customer_id",
    "report_month",
    "base_ts",
    "balance",
    "credit_limit",
    "actual_payment_amount",
    "past_due_amount",
    "days_past_due",
    "payment_rating_code",
    "asset_class_code",
    "account_type",
    "open_date",
    "branch_code",
]
RATINGS = ["0", "0", "0", "0", "1", "2", "3", "4", "5", "6", "S", "B", "D", "L", "M"]


@dataclass(frozen=True)
class Snapshot:
    """One delivered account snapshot and the month (index into the run) in which it arrives."""

    arrival: int
    values: dict[str, object]

    def csv_row(self) -> list[str]:
        return ["" if self.values[c] is None else str(self.values[c]) for c in ACCOUNT_SNAPSHOT_COLUMNS]


def account_snapshots(
    accounts: int,
    months: int,
    *,
    first_month: str = "2023-01",
    gap_rate: float = 0.05,
    late_rate: float = 0.01,
    invalid_rate: float = 0.0,
    seed: int = 42,
) -> Iterator[Snapshot]:
    """Monthly snapshots for ``accounts`` accounts over ``months`` months, deterministic for a seed.

    - Accounts open at different months, and a month is missing (a gap) at ``gap_rate``.
    - At ``late_rate`` a snapshot arrives late (1-3 months after its report month); as often again it is
      corrected: a second version with a later ``base_ts`` and other values arrives late.
    - At ``invalid_rate`` a rating or days-past-due value breaks the summary's rules (becomes null there).
    Values vary month to month so arrays do not compress to nothing.
    """
    rng = random.Random(seed)
    for account in range(1, accounts + 1):
        opened = rng.randrange(0, max(1, months // 3)) if account % 4 == 0 else 0
        limit = rng.choice([1000, 2500, 5000, 10000, 20000])
        customer = 1 + (account * 7919) % max(1, accounts // 2 + 1)
        account_type = rng.choice(["card", "loan", "mortgage", "overdraft"])
        branch = f"B{rng.randrange(1, 60):03d}"
        open_date = f"{add_months(first_month, opened)}-01"
        balance = rng.uniform(0, limit)
        for m in range(opened, months):
            if rng.random() < gap_rate:
                continue
            balance = max(0.0, min(limit * 1.1, balance + rng.uniform(-0.3, 0.3) * limit))
            dpd = rng.choice([0, 0, 0, 0, 0, 15, 30, 60, 90])
            values: dict[str, object] = {
                "account_key": account,
                "customer_id": customer,
                "report_month": add_months(first_month, m),
                "base_ts": f"{add_months(first_month, m + 1)}-0{rng.randrange(1, 6)} 0{rng.randrange(0, 10)}:00:00",
                "balance": f"{balance:.2f}",
                "credit_limit": f"{limit:.2f}",
                "actual_payment_amount": f"{rng.uniform(0, balance * 0.2):.2f}",
                "past_due_amount": f"{balance * dpd / 365:.2f}",
                "days_past_due": dpd,
                "payment_rating_code": rng.choice(RATINGS),
                "asset_class_code": rng.choice("ABCDE"),
                "account_type": account_type,
                "open_date": open_date,
                "branch_code": branch,
            }
            if rng.random() < invalid_rate:
                if rng.random() < 0.5:
                    values["payment_rating_code"] = "X"
                else:
                    values["days_past_due"] = -1
            roll = rng.random()
            if roll < late_rate:
                yield Snapshot(m + rng.randint(1, 3), values)
            elif roll < 2 * late_rate:
                yield Snapshot(m, values)
                corrected = {
                    **values,
                    "base_ts": f"{add_months(first_month, m + 2)}-15 12:00:00",
                    "balance": f"{balance * 0.9:.2f}",
                    "payment_rating_code": rng.choice(RATINGS),
                }
                yield Snapshot(m + rng.randint(1, 3), corrected)
            else:
                yield Snapshot(m, values)


HEADERS = {
    "clickstream": ["click_id", "session_id", "user_id", "page_name", "timestamp", "scroll_depth"],
    "bank_customers": ["customer_id", "full_name", "email", "city", "segment", "customer_since"],
    "bank_accounts": ["account_id", "customer_id", "account_type", "balance", "opened_date", "status"],
    "customers": ["customer_id", "first_name", "last_name", "email", "country", "territory", "signup_date"],
    "transactions": [
        "transaction_id",
        "customer_id",
        "product_id",
        "quantity",
        "amount",
        "transaction_date",
        "territory",
    ],
    "products": ["product_id", "product_name", "category", "unit_price"],
    "fiscal_calendar": ["calendar_date", "fiscal_year", "fiscal_quarter", "fiscal_month", "fiscal_week"],
    "account_snapshots": ACCOUNT_SNAPSHOT_COLUMNS,
}


CITIES = ["Leeds", "York", "Bristol", "Glasgow", "Cardiff", "Belfast"]
BANK_SEGMENTS = ["retail", "premier", "private", "business"]


def bank_rows(
    customers: int, batch_date: dt.date, rng: random.Random, faults: FaultRates, summary: Summary
) -> tuple[list[list[str]], list[list[str]]]:
    """Bank customers C001.. and one to three accounts each (the first always savings). Faults: a malformed
    email (raw rule email_format), an account without customer id (contract), an unparseable or negative
    balance (contract, raw rule balance_not_negative), an impossible opened date (contract), an account of
    a customer never delivered (kept, with the unknown member)."""
    people, accounts = [], []
    for n in range(1, customers + 1):
        cid = f"C{n:03d}"
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}{n}@bank.example".lower()
        if rng.random() < faults.bad_emails:
            email = email.replace("@", "_at_")
            summary.quarantine_expected["bank_customers"] += 1
            summary.faults["bank_customers.bad_email"] += 1
        since = (batch_date - dt.timedelta(days=rng.randint(400, 4000))).isoformat()
        people.append([cid, f"{first} {last}", email, rng.choice(CITIES), rng.choice(BANK_SEGMENTS), since])
        for k in range(rng.randint(1, 3)):
            owner = cid
            balance = f"{rng.randint(0, 3_000_000) / 100:.2f}"
            opened = (batch_date - dt.timedelta(days=rng.randint(30, 3000))).isoformat()
            roll = rng.random()
            if roll < faults.nulls:
                owner = ""
                summary.faults["bank_accounts.null_customer"] += 1
            elif roll < faults.nulls + faults.bad_amounts:
                balance = rng.choice(["12,50x", "-250.00"])
                summary.faults["bank_accounts.bad_balance"] += 1
            elif roll < faults.nulls + faults.bad_amounts + faults.bad_dates:
                opened = "2021-13-45"
                summary.faults["bank_accounts.bad_date"] += 1
            if roll < faults.nulls + faults.bad_amounts + faults.bad_dates:
                summary.quarantine_expected["bank_accounts"] += 1
            elif roll < faults.nulls + faults.bad_amounts + faults.bad_dates + faults.orphans:
                owner = f"C{customers + 900 + n:03d}"
                summary.faults["bank_accounts.orphan_customer"] += 1
            kind = "savings" if k == 0 else rng.choice(["savings", "checking"])
            status = "closed" if rng.random() < 0.05 else "active"
            accounts.append([f"A{n:03d}{k}", owner, kind, balance, opened, status])
    summary.rows["bank_customers"] += len(people)
    summary.rows["bank_accounts"] += len(accounts)
    return people, accounts


EVENT_TYPES = ["app_open", "page_view", "click", "scroll", "share", "purchase"]
PAGES = ["home", "search", "product", "cart", "checkout", "account", "help"]


def event_rows(
    users: int, batch_date: dt.date, rng: random.Random, faults: FaultRates, summary: Summary
) -> tuple[list[str], list[list[str]]]:
    """A day of app events (JSON lines) and clickstream (CSV rows) for users U0001..: each user has one
    to three sessions of a few page views and events. Faults: an unparseable timestamp (contract), an
    event or click re-sent in the delivery (duplicate key), a scroll depth over 100 (raw rule), an
    unknown event type and an event without user (kept, flagged invalid by the staging model)."""
    events: list[str] = []
    clicks: list[list[str]] = []
    start = dt.datetime.combine(batch_date - dt.timedelta(days=1), dt.time())

    def stamp(moment: dt.datetime, fault: bool) -> str:
        return "2026-02-30 25:00:00" if fault else moment.strftime("%Y-%m-%d %H:%M:%S")

    for n in range(1, users + 1):
        user = f"U{n:04d}"
        for s in range(rng.randint(1, 3)):
            session = f"S{n:04d}{s}"
            moment = start + dt.timedelta(minutes=rng.randint(0, 23 * 60))
            for c in range(rng.randint(1, 5)):
                moment += dt.timedelta(seconds=rng.randint(5, 300))
                roll = rng.random()
                bad_ts, deep = roll < faults.bad_dates, faults.bad_dates <= roll < faults.bad_dates + faults.bad_amounts
                depth = rng.randint(101, 150) if deep else rng.randint(0, 100)
                row = [f"K{n:04d}{s}{c}", session, user, rng.choice(PAGES), stamp(moment, bad_ts), str(depth)]
                clicks.append(row)
                if bad_ts or deep:
                    summary.quarantine_expected["clickstream"] += 1
                    summary.faults["clickstream.bad_timestamp" if bad_ts else "clickstream.scroll_over_100"] += 1
                if rng.random() < faults.duplicates:
                    clicks.append(list(row))
                    summary.quarantine_expected["clickstream"] += 1
                    summary.faults["clickstream.duplicate"] += 1
                kind = rng.choice(EVENT_TYPES)
                event = {
                    "event_id": f"E{n:04d}{s}{c}",
                    "user_id": user,
                    "event_type": kind,
                    "timestamp": stamp(moment, False),
                    "app_type": rng.choice(["ios", "android", "web"]),
                    "properties": {"page": row[3], "value": rng.randint(1, 500) if kind == "purchase" else None},
                    "response_time_ms": rng.randint(20, 900) if rng.random() > 0.03 else rng.randint(2500, 4000),
                    "error": rng.random() < 0.02,
                }
                roll = rng.random()
                if roll < faults.bad_dates:
                    event["timestamp"] = stamp(moment, True)
                    summary.quarantine_expected["app_events"] += 1
                    summary.faults["app_events.bad_timestamp"] += 1
                elif roll < faults.bad_dates + faults.orphans:
                    event["event_type"] = "teleport"
                    summary.faults["app_events.unknown_type"] += 1
                elif roll < faults.bad_dates + faults.orphans + faults.nulls:
                    event["user_id"] = None
                    summary.faults["app_events.no_user"] += 1
                line = json.dumps(event)
                events.append(line)
                if rng.random() < faults.duplicates:
                    events.append(line)
                    summary.quarantine_expected["app_events"] += 1
                    summary.faults["app_events.duplicate"] += 1
    summary.rows["app_events"] += len(events)
    summary.rows["clickstream"] += len(clicks)
    return events, clicks


def _write_lines(landing: Path, source: str, batch_date: str, lines: list[str], summary: Summary) -> None:
    """JSON lines, one file per source and batch."""
    folder = landing / source / batch_date
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{source}_001.jsonl"
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    summary.files.setdefault(source, []).append(str(path))


def _write(
    landing: Path, source: str, batch_date: str, rows: Iterator[list[str]], rows_per_file: int, summary: Summary
) -> None:
    folder = landing / source / batch_date
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{source}_*.csv"):
        old.unlink()
    part, handle, writer, in_file = 0, None, None, 0
    summary.files.setdefault(source, [])
    try:
        for row in rows:
            if writer is None or in_file >= rows_per_file:
                if handle:
                    handle.close()
                part += 1
                path = folder / f"{source}_{part:03d}.csv"
                summary.files[source].append(str(path))
                handle = path.open("w", newline="", encoding="utf-8")
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(HEADERS[source])
                in_file = 0
            writer.writerow(row)
            in_file += 1
    finally:
        if handle:
            handle.close()


def generate(
    landing: Path,
    batch_date: str,
    customers: int,
    transactions: int,
    seed: int,
    faults: FaultRates,
    rows_per_file: int = 500_000,
    calendar_days: int = 1096,
    accounts: int = 0,
    months: int = 24,
    customer_changes: float = 0.0,
    bank_customers: int = 0,
    app_users: int = 0,
) -> Summary:
    rng = random.Random(seed)
    day = dt.date.fromisoformat(batch_date)
    summary = Summary(batch_date)
    territories: dict[int, str] = {}
    valid: dict[int, list[str]] = {}
    rows = customer_rows(customers, day, rng, faults, summary, territories, valid)
    _write(landing, "customers", batch_date, rows, rows_per_file, summary)
    if customer_changes:
        # the next day's delivery: changed customers (a separate RNG: the first day's data stays the same)
        changes = customer_change_rows(valid, customer_changes, random.Random(seed + 1), summary)
        _write(landing, "customers", (day + dt.timedelta(days=1)).isoformat(), changes, rows_per_file, summary)
    _write(
        landing,
        "transactions",
        batch_date,
        transaction_rows(transactions, customers, day, rng, faults, summary, territories),
        rows_per_file,
        summary,
    )
    _write(landing, "products", batch_date, product_rows(summary), rows_per_file, summary)
    calendar_start = dt.date(day.year - 2, 1, 1)
    _write(
        landing,
        "fiscal_calendar",
        batch_date,
        fiscal_calendar_rows(calendar_start, calendar_days, summary),
        rows_per_file,
        summary,
    )
    if accounts:
        # Every version in one delivery, late corrections included: the summary keeps the latest base_ts.
        first = add_months(f"{day.year:04d}-{day.month:02d}", -months)
        snapshots = account_snapshots(accounts, months, first_month=first, seed=seed)
        _write(landing, "account_snapshots", batch_date, _counted(snapshots, summary), rows_per_file, summary)
    if bank_customers:
        people, bank_accounts = bank_rows(bank_customers, day, random.Random(seed + 2), faults, summary)
        _write(landing, "bank_customers", batch_date, iter(people), rows_per_file, summary)
        _write(landing, "bank_accounts", batch_date, iter(bank_accounts), rows_per_file, summary)
    if app_users:
        events, clicks = event_rows(app_users, day, random.Random(seed + 3), faults, summary)
        _write_lines(landing, "app_events", batch_date, events, summary)
        _write(landing, "clickstream", batch_date, iter(clicks), rows_per_file, summary)
    return summary


def _counted(snapshots: Iterator[Snapshot], summary: Summary) -> Iterator[list[str]]:
    for snap in snapshots:
        summary.rows["account_snapshots"] += 1
        yield snap.csv_row()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--landing", type=Path, required=True, help="landing zone folder")
    p.add_argument("--batch-date", default="2026-01-01")
    p.add_argument("--customers", type=int, default=1_000)
    p.add_argument("--transactions", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--rows-per-file", type=int, default=500_000)
    p.add_argument("--accounts", type=int, default=0, help="accounts with monthly snapshots (0: none)")
    p.add_argument("--months", type=int, default=24, help="months of snapshots, ending before --batch-date")
    p.add_argument("--bank-customers", type=int, default=0, help="bank customers, with their accounts (0: none)")
    p.add_argument("--app-users", type=int, default=0, help="app users, with a day of events and clicks (0: none)")
    p.add_argument("--fault-rate", type=float, default=0.0, help="rate for every fault kind at once")
    p.add_argument(
        "--customer-changes",
        type=float,
        default=0.0,
        help="share of customers delivered again the next day with a new territory and email (SCD2 changes)",
    )
    for kind in FaultRates.__dataclass_fields__:
        p.add_argument(f"--{kind.replace('_', '-')}-rate", type=float, default=None, help=f"rate of {kind}")
    args = p.parse_args(argv)
    base = FaultRates.uniform(args.fault_rate)
    faults = FaultRates(
        **{
            k: (getattr(args, f"{k}_rate") if getattr(args, f"{k}_rate") is not None else getattr(base, k))
            for k in FaultRates.__dataclass_fields__
        }
    )
    summary = generate(
        args.landing,
        args.batch_date,
        args.customers,
        args.transactions,
        args.seed,
        faults,
        args.rows_per_file,
        accounts=args.accounts,
        months=args.months,
        customer_changes=args.customer_changes,
        bank_customers=args.bank_customers,
        app_users=args.app_users,
    )
    print(json.dumps(summary.as_dict(), indent=2))


if __name__ == "__main__":
    main()
