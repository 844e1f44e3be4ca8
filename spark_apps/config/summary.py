"""The rolling account summary (``config/domains/credit/account_summary.json``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from spark_apps.config.base import IDENTIFIER, _read_yaml, _Strict, _validate, config_dir
from spark_apps.config.domains import DOMAINS_DIR

_SQL_TYPE = r"^(string|int|long|double|date|timestamp|decimal\(\d+,\d+\))$"


class SummaryKeys(_Strict):
    account: str = Field(pattern=IDENTIFIER)
    month: str = Field(pattern=IDENTIFIER, description="report month column, text YYYY-MM")
    order: str = Field(pattern=IDENTIFIER, description="the latest value of this column wins per (account, month)")


class RollingColumn(_Strict):
    name: str = Field(pattern=IDENTIFIER)
    source: str = Field(pattern=IDENTIFIER)
    type: str = Field(pattern=_SQL_TYPE)


class InvalidValueRule(_Strict):
    """A source value breaking the rule counts as missing (null) for that month, never as a wrong number."""

    column: str = Field(pattern=IDENTIFIER)
    accepted: list[str] | None = None
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _some_rule(self) -> InvalidValueRule:
        if self.accepted is None and self.min is None and self.max is None:
            raise ValueError(f"rule for '{self.column}' needs accepted, min or max")
        return self


class GridColumn(_Strict):
    name: str = Field(pattern=IDENTIFIER)
    source: str = Field(pattern=IDENTIFIER, description="a rolling column of type string")
    missing: str = Field("?", min_length=1, max_length=1)


class SummaryConfig(_Strict):
    source_table: str = Field(pattern=r"^[a-z_]+\.[a-z_]+$")
    summary_table: str = Field(pattern=r"^[a-z_]+\.[a-z_]+$")
    latest_table: str = Field(pattern=r"^[a-z_]+\.[a-z_]+$")
    history_length: int = Field(36, ge=2, le=120)
    keys: SummaryKeys
    carry_columns: list[str] = []
    rolling_columns: list[RollingColumn] = Field(min_length=1)
    invalid_values: list[InvalidValueRule] = []
    grid_columns: list[GridColumn] = []
    table_properties: dict[str, str] = {}

    @model_validator(mode="after")
    def _consistent(self) -> SummaryConfig:
        rolling = {c.name: c for c in self.rolling_columns}
        if len(rolling) != len(self.rolling_columns):
            raise ValueError("rolling_columns: names must be unique")
        sources = {c.source for c in self.rolling_columns}
        for rule in self.invalid_values:
            if rule.column not in sources:
                raise ValueError(f"invalid_values: '{rule.column}' is not the source of a rolling column")
        for grid in self.grid_columns:
            if grid.source not in rolling or rolling[grid.source].type != "string":
                raise ValueError(f"grid_columns: '{grid.source}' must be a rolling column of type string")
        return self


def load_summary_config(path: Path | None = None) -> SummaryConfig:
    """``config/domains/credit/account_summary.json`` (JSON is YAML, so one reader validates both)."""
    path = path or config_dir() / DOMAINS_DIR / "credit" / "account_summary.json"
    return _validate(SummaryConfig, _read_yaml(path), path)
