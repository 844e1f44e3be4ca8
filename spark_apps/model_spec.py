"""Declared models: what a domain builds from its raw tables, as data (``config/domains/<domain>/domain.yaml``).

A model names its inputs (raw tables, the domain's seeds, models declared before it), its select (Spark
SQL over the inputs' aliases, or a transform registered in ``spark_apps/domains/<domain>.py``), its
materialization and its keys. Lineage is derived from these declarations, never restated. Validated at
load, with the file and the key in every error; no Spark, no Airflow.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from spark_apps.config import DOMAINS_DIR, ConfigError, SparkType, config_dir, domain_names, load_contracts
from spark_apps.config.base import _read_yaml, _Strict, _validate

_NAME = r"^[a-z][a-z0-9_]*$"
MODEL_ZONES = ("curated", "marts")


class InputSpec(_Strict):
    """A table a model reads. ``optional`` (raw tables only): a source never delivered reads as an empty
    table with its contract's columns, so the model still builds (with its unknown member) instead of
    failing on every retry."""

    table: str = Field(pattern=r"^(raw|curated|marts|seed)\.[a-z][a-z0-9_]*$")
    optional: bool = False


class Scd2Spec(_Strict):
    """Type 2 history: a change in a ``tracked`` column opens a version on its ``effective_from`` date."""

    surrogate_key: str = Field(pattern=_NAME)
    tracked: list[str] = Field(min_length=1)
    effective_from: str = Field(default="_ingest_date", pattern=r"^[a-z_][a-z0-9_]*$")
    first_valid_from: dt.date = dt.date(1900, 1, 1)


class UnknownMember(_Strict):
    """The row facts point to when their reference is unknown: the surrogate key and a few display values."""

    key: int = -1
    values: dict[str, Any] = Field(default_factory=dict)


class SeedSpec(_Strict):
    """A small reference table declared inline (rate tiers, mappings): readable by models as ``seed.<name>``."""

    columns: dict[str, SparkType] = Field(min_length=1)
    rows: list[list[Any]] = Field(min_length=1)

    @model_validator(mode="after")
    def _rows_fit(self) -> SeedSpec:
        for i, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(f"rows.{i}: {len(row)} values for {len(self.columns)} columns")
        return self


Materialization = Literal["full", "incremental_merge", "partition_replace", "scd2"]


class IncrementalSpec(_Strict):
    """Which keys a run recomputes: those delivered to the raw input ``input`` since the last run, plus,
    through ``follow``, those of rows whose column (the map's key) holds a value that changed in this
    run's build of an upstream model (the value, ``<alias>.<column>``: say a fact's reference column
    following the natural key of the dimension it references). Each recomputed key is read with all
    its deliveries, so an incremental run and a full refresh give the same rows."""

    input: str = Field(pattern=_NAME)
    follow: dict[str, Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*\.[a-z_][a-z0-9_]*$")]] = Field(
        default_factory=dict
    )

    def followed(self) -> dict[str, tuple[str, str]]:
        """column -> (input alias, that model's column)."""
        out = {}
        for column, target in self.follow.items():
            alias, upstream = target.split(".", 1)
            out[column] = (alias, upstream)
        return out


class ModelSpec(_Strict):
    """One table a domain builds.

    - ``full``: the select is the whole table; one MERGE inserts, updates changed rows, deletes the rest.
    - ``incremental_merge``: the select's rows are upserted by ``keys`` (changed rows only, nothing
      deleted); with ``incremental`` only the keys delivered since the last run (and those ``follow``
      marks) are recomputed.
    - ``partition_replace``: the partitions (``partition_by``) the select produces are replaced; with
      ``partitions_from: <alias>`` only those that input's changed rows (before and after) fall into.
    - ``scd2``: the select gives deliveries; their type 2 history is the table (``scd2``); with
      ``incremental`` only the history of the keys delivered since the last run is rebuilt.
    """

    name: str = Field(pattern=r"^(curated|marts)\.[a-z][a-z0-9_]*$")
    description: str = ""
    inputs: dict[str, InputSpec | str] = Field(min_length=1)
    select: str | None = None
    transform: str | None = Field(default=None, pattern=_NAME, description="a function of spark_apps.domains.<d>")
    materialization: Materialization = "full"
    keys: list[str] = Field(min_length=1, description="unique in the output (scd2: the natural key)")
    partition_by: list[str] = Field(default_factory=list)
    incremental: IncrementalSpec | None = None
    partitions_from: str | None = Field(default=None, pattern=_NAME)
    properties: dict[str, str] = Field(default_factory=dict, description="table properties at creation")
    scd2: Scd2Spec | None = None
    unknown_member: UnknownMember | None = None

    @field_validator("incremental", mode="before")
    @classmethod
    def _input_alone(cls, value: Any) -> Any:
        """``incremental: <alias>`` is short for ``incremental: {input: <alias>}``."""
        return {"input": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _consistent(self) -> ModelSpec:
        if (self.select is None) == (self.transform is None):
            raise ValueError(f"model '{self.name}': give exactly one of select and transform")
        if (self.materialization == "scd2") != (self.scd2 is not None):
            raise ValueError(f"model '{self.name}': materialization scd2 and the scd2 block go together")
        if self.materialization == "partition_replace" and len(self.partition_by) != 1:
            raise ValueError(f"model '{self.name}': partition_replace needs exactly one partition_by column")
        if self.incremental is not None:
            self._check_incremental(self.incremental)
        if self.partitions_from is not None:
            if self.materialization != "partition_replace":
                raise ValueError(f"model '{self.name}': 'partitions_from' applies to partition_replace only")
            self._check_model_input(self.partitions_from, "partitions_from")
        if self.unknown_member is not None and self.scd2 is None and len(self.keys) != 1:
            raise ValueError(f"model '{self.name}': an unknown member needs a single key column")
        for alias in self.inputs:
            if not re.match(_NAME, alias):
                raise ValueError(f"model '{self.name}': input alias '{alias}' is not a lower-case name")
        return self

    def _check_incremental(self, inc: IncrementalSpec) -> None:
        if self.materialization not in ("incremental_merge", "scd2"):
            raise ValueError(f"model '{self.name}': 'incremental' applies to incremental_merge and scd2 only")
        if inc.input not in self.inputs or not self.input(inc.input).table.startswith("raw."):
            raise ValueError(f"model '{self.name}': incremental.input: '{inc.input}' is not a raw input")
        for column, (alias, _) in inc.followed().items():
            self._check_model_input(alias, f"incremental.follow.{column}")

    def _check_model_input(self, alias: str, where: str) -> None:
        if alias not in self.inputs or self.input(alias).table.split(".", 1)[0] not in MODEL_ZONES:
            raise ValueError(f"model '{self.name}': {where}: '{alias}' is not an input built by a model")

    def watched(self) -> set[str]:
        """The upstream models whose changed rows this model's incremental run reads."""
        aliases = {a for a, _ in self.incremental.followed().values()} if self.incremental else set()
        if self.partitions_from is not None:
            aliases.add(self.partitions_from)
        return {self.input(a).table for a in aliases}

    def input(self, alias: str) -> InputSpec:
        spec = self.inputs[alias]
        return InputSpec(table=spec) if isinstance(spec, str) else spec

    @property
    def zone(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def table_name(self) -> str:
        return self.name.split(".", 1)[1]

    @property
    def unique_key(self) -> list[str]:
        """The output's key: the surrogate key of an SCD2 table, else ``keys``."""
        return [self.scd2.surrogate_key] if self.scd2 else list(self.keys)


class DomainSpec(_Strict):
    """``config/domains/<domain>/domain.yaml``: what the domain is, its seeds and its models (in build order)."""

    name: str = Field(pattern=_NAME)
    description: str
    seeds: dict[str, SeedSpec] = Field(default_factory=dict)
    models: list[ModelSpec] = Field(default_factory=list)

    def model(self, name: str) -> ModelSpec:
        return next(m for m in self.models if m.name == name)

    def raw_inputs(self) -> list[str]:
        """The raw tables this domain's models read (what its processing DAG is scheduled on)."""
        return sorted({m.input(a).table for m in self.models for a in m.inputs if m.input(a).table.startswith("raw.")})


def _check_inputs(domain: DomainSpec, path: Path, sources: set[str], others: set[str]) -> None:
    """Every input is a raw table of a declared source, one of this domain's seeds, a model declared
    earlier in this file (so the file's order is a valid build order) or another domain's model."""
    built: set[str] = set()
    for i, model in enumerate(domain.models):
        if model.name in built or model.name in others:
            raise ConfigError(f"{path}: models.{i}.name: '{model.name}' is declared twice")
        for alias in model.inputs:
            spec = model.input(alias)
            zone, table = spec.table.split(".", 1)
            where = f"{path}: models.{i}.inputs.{alias}"
            if zone == "raw" and table not in sources:
                raise ConfigError(f"{where}: no source contract '{table}' in any domain")
            if zone == "seed" and table not in domain.seeds:
                raise ConfigError(f"{where}: no seed '{table}' in this domain")
            if zone in MODEL_ZONES and spec.table not in built | others:
                raise ConfigError(f"{where}: '{spec.table}' is not a model declared before this one")
            if spec.optional and zone != "raw":
                raise ConfigError(f"{where}: only raw inputs can be optional")
        if foreign := model.watched() - built:
            raise ConfigError(
                f"{path}: models.{i}: changes of {', '.join(sorted(foreign))} are known only for this"
                " domain's models (follow / partitions_from)"
            )
        built.add(model.name)


def _domain_data(name: str) -> tuple[Path, dict[str, Any]]:
    path = config_dir() / DOMAINS_DIR / name / "domain.yaml"
    data = _read_yaml(path) or {}
    if "name" in data and data["name"] != name:
        raise ConfigError(f"{path}: name: '{data['name']}' must match the folder name '{name}'")
    return path, {"name": name, **data}


def load_domains() -> dict[str, DomainSpec]:
    """Every domain, validated together: model names are unique across domains, inputs resolve."""
    parsed = {}
    for name in domain_names():
        path, data = _domain_data(name)
        parsed[name] = _validate(DomainSpec, data, path)
    sources = set(load_contracts())
    for name, domain in parsed.items():
        others = {m.name for other, d in parsed.items() if other != name for m in d.models}
        path = config_dir() / DOMAINS_DIR / name / "domain.yaml"
        _check_inputs(domain, path, sources, others)
    return parsed


def load_domain(name: str) -> DomainSpec:
    domains = load_domains()
    if name not in domains:
        raise ConfigError(f"{config_dir() / DOMAINS_DIR}: no domain '{name}' (have {sorted(domains)})")
    return domains[name]


def model_lineage() -> dict[str, list[str]]:
    """``<zone>.<table>`` of every domain's model -> the tables it reads: its inputs, seeds excluded."""
    lineage: dict[str, list[str]] = {}
    for d in load_domains().values():
        for m in d.models:
            lineage[m.name] = sorted({m.input(a).table for a in m.inputs if not m.input(a).table.startswith("seed.")})
    return lineage
