"""How a delivered file's header maps onto its contract. Pure Python: used before Spark starts (file
validation in Airflow) and inside the Spark job (one parse per distinct header)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spark_apps.config import SourceContract


@dataclass(frozen=True)
class HeaderLayout:
    """How one file's header maps onto the contract."""

    fields: tuple[str, ...]
    mapping: tuple[tuple[int, str], ...]  # (position, canonical column); a coalesce_of column may have several
    extras: tuple[tuple[int, str], ...] = ()  # (position, delivered name) of columns the contract lacks
    file_errors: tuple[str, ...] = ()

    @property
    def canonical(self) -> set[str]:
        return {name for _, name in self.mapping}


def split_header(header_line: str, delimiter: str, quote: str) -> tuple[str, ...]:
    """Header fields, unquoted. Headers hold names, so a simple split is sufficient."""
    return tuple(f.strip().strip(quote).strip() for f in header_line.split(delimiter))


def plan_layout(contract: SourceContract, fields: Sequence[str]) -> HeaderLayout:
    """Map delivered header names to canonical columns (case-insensitive, aliases) and apply drift policy."""
    mapping: dict[int, str] = {}
    extras: dict[int, str] = {}
    errors: list[str] = []
    for pos, name in enumerate(fields):
        canonical = contract.canonical_name(name)
        if canonical is None:
            extras[pos] = name
        elif canonical in mapping.values() and not contract.column(canonical).coalesce_of:
            errors.append(f"file: column '{canonical}' appears twice in the header")
        else:
            mapping[pos] = canonical
    present = set(mapping.values())
    for col in contract.columns:
        if not col.nullable and col.name not in present:
            errors.append(f"file: required column '{col.name}' is missing from the header")
    if extras and contract.drift.extra_columns == "reject":
        errors.extend(f"file: unexpected column '{name}'" for name in extras.values())
    # alternatives of one column in their declared priority, so the first non-empty value wins
    ordered = sorted(mapping.items(), key=lambda item: (item[1], contract.priority(item[1], fields[item[0]])))
    return HeaderLayout(tuple(fields), tuple(ordered), tuple(extras.items()), tuple(errors))


def column_sources(layout: HeaderLayout) -> dict[str, list[int]]:
    """Canonical column -> the header positions that deliver it, in priority order."""
    sources: dict[str, list[int]] = {}
    for pos, name in layout.mapping:
        sources.setdefault(name, []).append(pos)
    return sources
