"""Table lineage, derived from the config that drives the pipelines (no Spark, no Airflow).

Each config already says where its tables come from: a source contract feeds ``raw.<source>`` and
``quarantine.<source>`` from its landing folder; a domain's ``domain.yaml`` gives each model's
inputs; the account summary names
its source and outputs; ``config/domains/<domain>/warehouse.yaml`` names each warehouse table's lake
source; a processing or marts quality suite with quarantining rules lists failing rows in
``quarantine.<namespace>_<table>``. Stating lineage once more elsewhere would let it drift, so this
module only reads those.

Node names: ``landing/<source>`` for a landing folder, ``<zone>.<table>`` for a lake table and
``warehouse.<table>`` for a warehouse table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from spark_apps.config import (
    load_contracts,
    load_suites,
    load_summary_config,
    load_warehouse_tables,
)
from spark_apps.model_spec import model_lineage


@dataclass(frozen=True)
class Lineage:
    """Directed edges ``upstream -> downstream`` between tables (and landing folders)."""

    edges: frozenset[tuple[str, str]]
    _up: dict[str, list[str]] = field(default_factory=dict, compare=False, repr=False)
    _down: dict[str, list[str]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        up, down = defaultdict(set), defaultdict(set)
        for source, target in self.edges:
            up[target].add(source)
            down[source].add(target)
        self._up.update({k: sorted(v) for k, v in up.items()})
        self._down.update({k: sorted(v) for k, v in down.items()})

    def upstream(self, node: str) -> list[str]:
        return self._up.get(node, [])

    def downstream(self, node: str) -> list[str]:
        return self._down.get(node, [])

    def nodes(self) -> list[str]:
        return sorted({n for edge in self.edges for n in edge})


def build_lineage() -> Lineage:
    """Every edge the shipped configs imply."""
    edges: set[tuple[str, str]] = set()
    for source in load_contracts():
        edges |= {(f"landing/{source}", f"raw.{source}"), (f"landing/{source}", f"quarantine.{source}")}
    for table, inputs in model_lineage().items():
        edges |= {(i, table) for i in inputs}
    summary = load_summary_config()
    edges |= {(summary.source_table, summary.summary_table), (summary.source_table, summary.latest_table)}
    for name, loaded in load_warehouse_tables().tables.items():
        edges.add((loaded.source, f"warehouse.{name}"))
    for suite in load_suites().values():
        if suite.layer != "raw" and suite.quarantining():
            edges.add((suite.table, f"quarantine.{suite.namespace}_{suite.table_name}"))
    return Lineage(frozenset(edges))
