"""Freshness SLAs: how long ago each table last changed, against the hours ``config/freshness.yaml``
allows. A table past its SLA, or missing, is a breach; the job fails with every breach named, so the
task's failure callback alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from spark_apps.table_io import TableIO

BREACH_MARK = "freshness SLA missed"  # how FreshnessError's message starts (alerts: kind sla_miss)


@dataclass(frozen=True)
class Freshness:
    table: str
    last_update: dt.datetime | None  # None: the table does not exist (or has no commit)
    age_hours: float | None
    sla_hours: float

    @property
    def status(self) -> str:
        if self.age_hours is None:
            return "missing"
        return "stale" if self.age_hours > self.sla_hours else "fresh"

    def line(self) -> str:
        age = "none" if self.age_hours is None else f"{self.age_hours:.2f}"
        return f"FRESHNESS_RESULT table={self.table} status={self.status} age_hours={age} sla_hours={self.sla_hours:g}"

    def breach(self) -> str:
        if self.last_update is None:
            return f"{self.table}: no data yet (SLA {self.sla_hours:g} h)"
        when = f"{self.last_update:%Y-%m-%d %H:%M} UTC"
        return f"{self.table}: last updated {self.age_hours:.1f} h ago ({when}) > SLA {self.sla_hours:g} h"


class FreshnessError(Exception):
    """Raised after every table was checked and printed."""


def judge(
    last_updates: Mapping[str, dt.datetime | None], slas: Mapping[str, float], now: dt.datetime
) -> list[Freshness]:
    """Each table's age at ``now`` against its SLA (pure: the clock and the commits are inputs)."""
    results = []
    for table, sla in slas.items():
        last = last_updates.get(table)
        age = None if last is None else max((now - last).total_seconds() / 3600, 0.0)
        results.append(Freshness(table, last, age, sla))
    return results


def enforce(results: list[Freshness]) -> None:
    breaches = [r.breach() for r in results if r.status != "fresh"]
    if breaches:
        raise FreshnessError(f"{BREACH_MARK}: {len(breaches)} table(s)\n  " + "\n  ".join(breaches))


def last_updates(io: TableIO, tables: list[str]) -> dict[str, dt.datetime | None]:
    """``<namespace>.<table>`` -> its newest commit time (UTC), None when it does not exist."""
    out: dict[str, dt.datetime | None] = {}
    for name in tables:
        table = io.name(*name.split("."))
        out[name] = io.last_update(table) if io.exists(table) else None
    return out
