"""The retail domain's business rules (``config/domains/retail/rules.yaml``): the constants its transforms
use. What the platform applies (SCD2 tracking, table properties, incremental scope) is in ``domain.yaml``."""

from __future__ import annotations

from pydantic import Field, model_validator

from spark_apps.config.base import _read_yaml, _Strict, _validate, config_dir
from spark_apps.config.domains import DOMAINS_DIR


class Segments(_Strict):
    high: float = Field(gt=0)
    medium: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Segments:
        if self.medium >= self.high:
            raise ValueError(f"segments: medium ({self.medium}) must be below high ({self.high})")
        return self


class RetailRules(_Strict):
    restocking_fee_rate: float = Field(ge=0, le=1)
    large_order_threshold: float = Field(gt=0)
    unknown_member_key: int = -1
    product_families: dict[str, list[str]] = Field(default_factory=dict)
    default_family: str = "Other"
    segments: Segments = Segments(high=10000, medium=5000)
    top_customers: int = Field(default=10, gt=0)

    @model_validator(mode="after")
    def _one_family_per_category(self) -> RetailRules:
        seen: dict[str, str] = {}
        for family, categories in self.product_families.items():
            for category in categories:
                if category in seen:
                    raise ValueError(
                        f"product_families: category '{category}' is in both '{seen[category]}' and '{family}'"
                    )
                seen[category] = family
        return self

    def family_of(self) -> dict[str, str]:
        """Category -> family, the inverse of ``product_families``."""
        return {c: family for family, categories in self.product_families.items() for c in categories}


def load_retail_rules() -> RetailRules:
    path = config_dir() / DOMAINS_DIR / "retail" / "rules.yaml"
    return _validate(RetailRules, _read_yaml(path), path)
