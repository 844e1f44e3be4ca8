"""What every config module shares: where config lives, the strict model base, reading and validating
YAML with errors that name the file and the key."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

HOME_VAR = "PIPELINE_HOME"
# Where config/ and relative paths resolve from. Jobs run from the --py-files archive, where
# __file__ is inside a zip, so the task factory passes the project folder explicitly.
PROJECT_ROOT = Path(os.environ.get(HOME_VAR) or Path(__file__).resolve().parents[2])
ENV_VAR = "PIPELINE_ENV"
CONFIG_DIR_VAR = "PIPELINE_CONFIG_DIR"
DEFAULT_ENV = "dev"
IDENTIFIER = r"^[a-z_][a-z0-9_]*$"  # a lower-case column or table name

M = TypeVar("M", bound="BaseModel")
_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class ConfigError(ValueError):
    """An invalid or missing config file; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def config_dir() -> Path:
    return Path(os.environ.get(CONFIG_DIR_VAR, PROJECT_ROOT / "config"))


def _interpolate(value: Any) -> Any:
    """Expand ``${VAR}`` and ``${VAR:-default}`` in string values, so secrets and buckets stay in env vars."""
    if isinstance(value, str):

        def repl(m: re.Match[str]) -> str:
            var, default = m.group(1), m.group(2)
            if var in os.environ:
                return os.environ[var]
            if default is None:
                raise KeyError(var)
            return default

        return _INTERPOLATION.sub(repl, value)
    if isinstance(value, dict):
        return {k: _interpolate(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v) for v in value]
    return value


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"{path}: file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: top level must be a mapping")
    try:
        return _interpolate(raw)
    except KeyError as exc:
        raise ConfigError(f"{path}: environment variable {exc.args[0]} is not set and has no default") from exc


def _validate(model: type[M], data: dict[str, Any], path: Path) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{path}: {problems}") from None


def _resolve_local(value: str | None) -> str | None:
    """Relative local paths are relative to the project root; URIs pass through."""
    if value is None or "://" in value or Path(value).is_absolute():
        return value
    return str((PROJECT_ROOT / value).resolve())


def quote(name: str) -> str:
    """A Spark SQL identifier, backtick-quoted (a backtick inside is doubled)."""
    return "`" + name.replace("`", "``") + "`"


def sql_string(value: str) -> str:
    """A Spark SQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
