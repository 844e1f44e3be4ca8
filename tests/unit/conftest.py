"""Fixtures shared by the unit tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from spark_apps import config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def config_copy(tmp_path, monkeypatch) -> Path:
    """A writable copy of config/ that the loader reads instead of the real one."""
    target = tmp_path / "config"
    shutil.copytree(ROOT / "config", target)
    monkeypatch.setenv(config.CONFIG_DIR_VAR, str(target))
    config.clear_caches()
    yield target
    config.clear_caches()
