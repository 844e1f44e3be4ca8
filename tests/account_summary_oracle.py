"""A plain-Python reference for the rolling account summary: dictionaries and loops, no Spark.

It shares no code with ``spark_apps.account_summary`` on purpose: it is the independent statement of
what the arrays must hold, against which every Spark mode is compared.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from spark_apps.config import SummaryConfig

Row = dict[str, Any]


def typed(value: Any, sql_type: str) -> Any:
    """A source text or number as the summary stores it (decimal, int or string)."""
    if value is None or value == "":
        return None
    if sql_type.startswith("decimal"):
        scale = int(sql_type.split(",")[1].rstrip(")"))
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-scale))
    if sql_type == "int":
        return int(value)
    return str(value)


def _valid(value: Any, rules: list) -> bool:
    for rule in rules:
        if value is None:
            return True
        if rule.accepted is not None and str(value) not in rule.accepted:
            return False
        if rule.min is not None and value < rule.min:
            return False
        if rule.max is not None and value > rule.max:
            return False
    return True


def _month(text: str) -> int:
    return int(text[:4]) * 12 + int(text[5:7]) - 1


def _text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def expected_summary(records: list[Row], cfg: SummaryConfig) -> tuple[dict[tuple[int, str], Row], dict[int, Row]]:
    """(summary keyed by (account, month), latest keyed by account) for snapshot dicts as delivered."""
    k = cfg.keys
    winners: dict[tuple[int, int], Row] = {}
    for rec in records:
        key = (int(rec[k.account]), _month(rec[k.month]))
        order = str(rec[k.order])
        if key not in winners or order > str(winners[key][k.order]):
            winners[key] = rec
    cleaned: dict[tuple[int, int], dict[str, Any]] = {}
    for key, rec in winners.items():
        values = {}
        for rc in cfg.rolling_columns:
            value = typed(rec[rc.source], rc.type)
            rules = [r for r in cfg.invalid_values if r.column == rc.source]
            values[rc.name] = value if _valid(value, rules) else None
        cleaned[key] = values
    summary: dict[tuple[int, str], Row] = {}
    for account, month in sorted(cleaned):
        row: Row = {k.account: account, k.month: _text(month)}
        for rc in cfg.rolling_columns:
            row[rc.name] = [
                cleaned[(account, month - i)][rc.name] if (account, month - i) in cleaned else None
                for i in range(cfg.history_length)
            ]
        for grid in cfg.grid_columns:
            row[grid.name] = "".join(grid.missing if v is None else str(v) for v in row[grid.source])
        winner = winners[(account, month)]
        row[k.order] = _timestamp(winner[k.order])
        summary[(account, _text(month))] = row
    latest: dict[int, Row] = {}
    for (account, _month_text), row in sorted(summary.items()):
        latest[account] = row  # sorted by month text, so the last one wins
    return summary, latest


def _timestamp(value: Any) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
