"""Quality suites (``config/domains/<domain>/quality/<namespace>.<table>.yaml``) and freshness SLAs."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from spark_apps.config.base import (
    IDENTIFIER,
    ConfigError,
    _read_yaml,
    _Strict,
    _validate,
    config_dir,
    quote,
    sql_string,
)
from spark_apps.config.contracts import RAW_AUDIT_COLUMNS, load_contracts
from spark_apps.config.domains import _unique_by_stem, domain_files, domain_of
from spark_apps.config.environments import Layer

_TABLE = r"^[a-z_]+\.[a-z_][a-z0-9_]*$"
_COLUMN = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Check(_Strict):
    """Common to every check: a unique name (what quarantined rows and results carry), a level (an
    ``error`` below the pass-rate threshold fails the gate, a ``warning`` only reports) and an optional
    pass-rate threshold of its own."""

    name: str = Field(pattern=IDENTIFIER)
    description: str = ""
    level: Literal["error", "warning"] = "error"
    min_pass_rate: float | None = Field(default=None, ge=0, le=1)

    ROW_LEVEL: ClassVar[bool] = True
    HELPER: ClassVar[str | None] = None  # prefix of the column ``prepare`` adds for this kind, if any

    def expected(self) -> str:
        """A one-line statement of what must hold, used in results, reports and quarantine reasons."""
        raise NotImplementedError

    def compliance_sql(self) -> str | None:
        """The row predicate both engines measure (Deequ's ``satisfies``), as Spark SQL over a prepared
        frame; None for the kinds measured otherwise (uniqueness by key frequencies, table-level kinds)."""
        return None

    def helper_column(self) -> str:
        """The column ``quality.rules.prepare`` adds for this check."""
        if self.HELPER is None:
            raise TypeError(f"check '{self.name}' ({type(self).__name__}) has no helper column")
        return self.HELPER + self.name


class _RowCheck(_Check):
    quarantine: bool = Field(default=True, description="rows failing this rule are split off to quarantine")


class CompletenessCheck(_RowCheck):
    kind: Literal["completeness"]
    column: str = _COLUMN

    def expected(self) -> str:
        return f"{self.column} is not null"

    def compliance_sql(self) -> str:
        return f"{quote(self.column)} IS NOT NULL"


class UniquenessCheck(_RowCheck):
    kind: Literal["uniqueness"]
    columns: list[Annotated[str, _COLUMN]] = Field(min_length=1)

    HELPER: ClassVar[str | None] = "_dup_"

    def expected(self) -> str:
        return f"({', '.join(self.columns)}) is unique"


class AcceptedValuesCheck(_RowCheck):
    kind: Literal["accepted_values"]
    column: str = _COLUMN
    values: list[str] = Field(min_length=1)

    def expected(self) -> str:
        return f"{self.column} in ({', '.join(self.values)})"

    def compliance_sql(self) -> str:
        values = ", ".join(sql_string(v) for v in self.values)
        return f"{quote(self.column)} IS NULL OR {quote(self.column)} IN ({values})"


class PatternCheck(_RowCheck):
    kind: Literal["pattern"]
    column: str = _COLUMN
    pattern: str = Field(min_length=1, description="Java regex; a row passes when it is found in the value")
    allow_null: bool = Field(default=False, description="a null value passes (Deequ's isNullAllowed)")

    @model_validator(mode="after")
    def _compiles(self) -> PatternCheck:
        try:
            re.compile(self.pattern)
        except re.error as exc:
            raise ValueError(f"check '{self.name}': pattern does not compile: {exc}") from None
        return self

    def expected(self) -> str:
        return f"{self.column} matches {self.pattern}"

    def compliance_sql(self) -> str:
        found = f"regexp_extract({quote(self.column)}, {sql_string(self.pattern)}, 0) != ''"
        return f"{quote(self.column)} IS NULL OR {found}" if self.allow_null else found


class RangeCheck(_RowCheck):
    kind: Literal["range"]
    column: str = _COLUMN
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _bounded(self) -> RangeCheck:
        if self.min is None and self.max is None:
            raise ValueError(f"check '{self.name}': range needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"check '{self.name}': min {self.min} is above max {self.max}")
        return self

    def expected(self) -> str:
        lo = "-inf" if self.min is None else f"{self.min:g}"
        hi = "inf" if self.max is None else f"{self.max:g}"
        return f"{self.column} between {lo} and {hi}"

    def compliance_sql(self) -> str:
        c = quote(self.column)
        bounds = [f"{c} >= {self.min!r}" if self.min is not None else None]
        bounds.append(f"{c} <= {self.max!r}" if self.max is not None else None)
        return f"{c} IS NULL OR ({' AND '.join(b for b in bounds if b)})"


class NonNegativeCheck(_RowCheck):
    kind: Literal["non_negative"]
    column: str = _COLUMN

    def expected(self) -> str:
        return f"{self.column} >= 0"

    def compliance_sql(self) -> str:
        return f"COALESCE(CAST({quote(self.column)} AS DOUBLE), 0.0) >= 0"


class PositiveCheck(_RowCheck):
    kind: Literal["positive"]
    column: str = _COLUMN

    def expected(self) -> str:
        return f"{self.column} > 0"

    def compliance_sql(self) -> str:
        return f"COALESCE(CAST({quote(self.column)} AS DOUBLE), 1.0) > 0"


class SqlCheck(_RowCheck):
    kind: Literal["sql"]
    predicate: str = Field(min_length=1, description="Spark SQL boolean expression over the row; NULL fails")

    def expected(self) -> str:
        return self.predicate

    def compliance_sql(self) -> str:
        return self.predicate


class ReferentialIntegrityCheck(_RowCheck):
    kind: Literal["referential_integrity"]
    columns: list[Annotated[str, _COLUMN]] = Field(min_length=1)
    reference: str = Field(pattern=_TABLE, description="namespace.table in the lake catalog")
    reference_columns: list[Annotated[str, _COLUMN]] = Field(min_length=1)

    @model_validator(mode="after")
    def _same_width(self) -> ReferentialIntegrityCheck:
        if len(self.columns) != len(self.reference_columns):
            raise ValueError(f"check '{self.name}': columns and reference_columns differ in length")
        return self

    HELPER: ClassVar[str | None] = "_ri_"

    def expected(self) -> str:
        return f"({', '.join(self.columns)}) exists in {self.reference}({', '.join(self.reference_columns)})"

    def compliance_sql(self) -> str:
        # on a prepared frame: the key is all null, or prepare() found it in the reference
        all_null = " AND ".join(f"{quote(c)} IS NULL" for c in self.columns)
        return f"({all_null}) OR {quote(self.helper_column())} IS NOT NULL"


class Scd2PeriodsCheck(_RowCheck):
    """An SCD2 table's history is sound: per key, each version's period is non-empty and ends where the
    next begins (no overlap, no gap), and exactly the last version is current and open-ended."""

    kind: Literal["scd2_periods"]
    keys: list[Annotated[str, _COLUMN]] = Field(min_length=1)
    valid_from: str = Field(default="valid_from", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    valid_to: str = Field(default="valid_to", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    is_current: str = Field(default="is_current", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    open_end: dt.date = dt.date(9999, 12, 31)

    HELPER: ClassVar[str | None] = "_scd2_"

    def expected(self) -> str:
        return (
            f"per ({', '.join(self.keys)}) periods [{self.valid_from}, {self.valid_to}) are contiguous,"
            f" without overlap, and only the last is {self.is_current}"
        )

    def compliance_sql(self) -> str:
        return quote(self.helper_column())


class FreshnessCheck(_Check):
    kind: Literal["freshness"]
    column: str = _COLUMN
    max_age_days: float = Field(gt=0, description="the newest value must be at most this old at the run's date")

    ROW_LEVEL: ClassVar[bool] = False
    HELPER: ClassVar[str | None] = "_age_"

    def expected(self) -> str:
        return f"newest {self.column} at most {self.max_age_days:g} days old"


class RowCountCheck(_Check):
    kind: Literal["row_count"]
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)

    ROW_LEVEL: ClassVar[bool] = False

    def expected(self) -> str:
        lo = "0" if self.min is None else str(self.min)
        hi = "inf" if self.max is None else str(self.max)
        return f"row count between {lo} and {hi}"

    @model_validator(mode="after")
    def _bounded(self) -> RowCountCheck:
        if self.min is None and self.max is None:
            raise ValueError(f"check '{self.name}': row_count needs min, max or both")
        return self


QualityCheck = Annotated[
    CompletenessCheck
    | UniquenessCheck
    | AcceptedValuesCheck
    | PatternCheck
    | RangeCheck
    | NonNegativeCheck
    | PositiveCheck
    | SqlCheck
    | ReferentialIntegrityCheck
    | Scd2PeriodsCheck
    | FreshnessCheck
    | RowCountCheck,
    Field(discriminator="kind"),
]


class AnomalyRule(_Strict):
    """A metric compared with the mean of its last ``history`` runs: a relative change beyond the bounds
    (0.5 = 50 %) is an anomaly, reported at ``level``."""

    metric: Literal["row_count", "null_rate"]
    column: str | None = None
    max_decrease: float | None = Field(default=None, ge=0)
    max_increase: float | None = Field(default=None, ge=0)
    history: int = Field(default=5, gt=0)
    level: Literal["error", "warning"] = "warning"

    @model_validator(mode="after")
    def _consistent(self) -> AnomalyRule:
        if (self.metric == "null_rate") != (self.column is not None):
            raise ValueError("null_rate needs 'column'; row_count takes none")
        if self.max_decrease is None and self.max_increase is None:
            raise ValueError(f"anomaly on {self.metric}: give max_decrease, max_increase or both")
        return self

    @property
    def name(self) -> str:
        return f"anomaly_{self.metric}" + (f"_{self.column}" if self.column else "")


class TableSuite(_Strict):
    """The checks of one table in one layer (``config/domains/<domain>/quality/<namespace>.<table>.yaml``)."""

    table: str = Field(pattern=_TABLE)
    layer: Layer
    description: str = ""
    min_pass_rate: float | None = Field(default=None, ge=0, le=1, description="overrides the layer's threshold")
    checks: list[QualityCheck] = Field(min_length=1)
    anomalies: list[AnomalyRule] = []

    @model_validator(mode="after")
    def _unique_names(self) -> TableSuite:
        names = [c.name for c in self.checks] + [a.name for a in self.anomalies]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"check names must be unique within a suite: {dupes}")
        return self

    @property
    def namespace(self) -> str:
        return self.table.split(".", 1)[0]

    @property
    def table_name(self) -> str:
        return self.table.split(".", 1)[1]

    def quarantining(self) -> list[_Check]:
        """The row-level checks whose failing rows are split off to quarantine."""
        return [c for c in self.checks if c.ROW_LEVEL and isinstance(c, _RowCheck) and c.quarantine]

    def threshold(self, check: _Check, layer_default: float) -> float:
        """A check's own threshold, else the suite's, else the layer's."""
        for rate in (check.min_pass_rate, self.min_pass_rate):
            if rate is not None:
                return rate
        return layer_default


class FreshnessSlas(_Strict):
    """``config/freshness.yaml``: hours each table may go without a commit."""

    tables: dict[Annotated[str, Field(pattern=r"^[a-z_]+\.[a-z0-9_]+$")], Annotated[float, Field(gt=0)]]


def load_freshness_slas() -> FreshnessSlas:
    path = config_dir() / "freshness.yaml"
    return _validate(FreshnessSlas, _read_yaml(path), path)


def load_suite(path: Path) -> TableSuite:
    """A suite, validated; a raw table's suite is also checked against its source contract's columns."""
    suite = _validate(TableSuite, _read_yaml(path), path)
    if suite.table != path.stem:
        raise ConfigError(f"{path}: table: '{suite.table}' must match the file name '{path.stem}'")
    if suite.namespace == "raw":
        contract = load_contracts().get(suite.table_name)
        if contract is None:
            raise ConfigError(f"{path}: table: no source contract '{suite.table_name}' in any domain's sources")
        known = {name for name, _ in contract.output_columns} | set(RAW_AUDIT_COLUMNS)
        for i, check in enumerate(suite.checks):
            for attr in ("column", "columns"):
                value = getattr(check, attr, None)
                for col in [value] if isinstance(value, str) else value or []:
                    if col not in known:
                        raise ConfigError(
                            f"{path}: checks.{i}.{attr}: '{col}' is not a column of source '{contract.name}'"
                        )
    return suite


@cache
def _suites_in(root: Path) -> dict[str, TableSuite]:
    paths = _unique_by_stem(domain_files("quality", root), "quality suite")
    return {name: load_suite(path) for name, path in paths.items()}


def load_suites(layer: str | None = None) -> dict[str, TableSuite]:
    """Every domain's quality suites (``config/domains/<domain>/quality``), keyed by ``namespace.table``;
    optionally one layer's."""
    suites = _suites_in(config_dir())
    return {t: s for t, s in suites.items() if layer is None or s.layer == layer}


def suite_domains() -> dict[str, str]:
    """``namespace.table`` of each suite -> the domain that declares it."""
    return {p.stem: domain_of(p) for p in domain_files("quality")}


def suite_for(table: str) -> TableSuite | None:
    """The suite of ``namespace.table``, or None when the table has no checks."""
    return load_suites().get(table)
