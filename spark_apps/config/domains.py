"""Domains: the folders under ``config/domains`` and the declaration files each holds."""

from __future__ import annotations

from pathlib import Path

from spark_apps.config.base import ConfigError, config_dir

DOMAINS_DIR = "domains"


def domain_names(root: Path | None = None) -> list[str]:
    """The domains under ``config/domains``: every folder that declares itself with a ``domain.yaml``."""
    base = (root or config_dir()) / DOMAINS_DIR
    return sorted(p.parent.name for p in base.glob("*/domain.yaml"))


def domain_files(kind: str, root: Path | None = None) -> list[Path]:
    """Every domain's ``<kind>/*.yaml`` (sources, quality), in domain then file-name order."""
    base = root or config_dir()
    return [p for d in domain_names(base) for p in sorted((base / DOMAINS_DIR / d / kind).glob("*.yaml"))]


def domain_of(path: Path) -> str:
    """The domain a declaration file belongs to (``config/domains/<domain>/<kind>/<file>``)."""
    return path.parents[1].name


def _unique_by_stem(paths: list[Path], what: str) -> dict[str, Path]:
    """Names are global across domains (``raw.<source>`` is one table): a name declared twice is an error
    naming both files, never a silent override."""
    seen: dict[str, Path] = {}
    for path in paths:
        if path.stem in seen:
            raise ConfigError(f"{path}: {what} '{path.stem}' is already declared in {seen[path.stem]}")
        seen[path.stem] = path
    return seen
