"""Shared fixtures. Every test runs against the `test` environment in throw-away folders."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_SCRATCH = Path(tempfile.mkdtemp(prefix="lakehouse-tests-"))

# Set before Airflow or the config module is imported anywhere, so nothing touches the user's folders.
os.environ.update(
    {
        "PIPELINE_ENV": "test",
        "PIPELINE_HOME": str(ROOT),
        "PIPELINE_LAKE_ROOT": str(_SCRATCH / "lake"),
        "PIPELINE_WAREHOUSE_PATH": str(_SCRATCH / "warehouse" / "lakehouse.duckdb"),
        "AIRFLOW_HOME": str(_SCRATCH / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW_CONN_SPARK_LOCAL": '{"conn_type": "spark", "host": "local[2]"}',
        "SPARK_VERSION": "3.5",
        "PYSPARK_PYTHON": sys.executable,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
)
sys.path.insert(0, str(ROOT / "plugins"))
# py4j logs from garbage-collected gateways after pytest closed its streams; nothing useful is lost.
logging.getLogger("py4j").setLevel(logging.ERROR)


@pytest.fixture(scope="session")
def scratch() -> Path:
    return _SCRATCH


@pytest.fixture(scope="session")
def airflow_home(scratch) -> Path:
    """An Airflow home with a migrated SQLite metadata DB, shared by every `airflow dags test` run."""
    import subprocess

    home = scratch / "airflow-cli"
    env = {**os.environ, "AIRFLOW_HOME": str(home)}
    subprocess.run(
        [str(Path(sys.executable).parent / "airflow"), "db", "migrate"],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return home


@pytest.fixture(scope="session")
def test_env():
    from spark_apps.config import load_env

    return load_env("test")


@pytest.fixture(scope="session")
def spark(test_env) -> Iterator:
    """One local SparkSession with the Iceberg catalog for the whole run (JVM start is the slow part)."""
    from spark_apps.session import build_session

    session = build_session(test_env, "tests", master="local[2]")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def table_io(spark, test_env):
    from spark_apps.table_io import TableIO

    return TableIO(spark, test_env.catalog.name)
