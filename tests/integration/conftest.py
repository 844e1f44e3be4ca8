"""Fixtures of the integration tests."""

from __future__ import annotations

import pytest

from tests.integration import e2e_lake


@pytest.fixture(scope="session")
def e2e_iceberg(scratch, spark, airflow_home) -> dict:
    """The lake the four DAGs wrote under `airflow dags test` (built once; see e2e_lake.py)."""
    return e2e_lake.build(scratch, spark, airflow_home)


@pytest.fixture(scope="session")
def e2e(e2e_iceberg) -> dict:
    return e2e_iceberg


@pytest.fixture(scope="session")
def e2e_delta(scratch, spark, airflow_home) -> dict:
    """The same DAG runs on the same data in Delta Lake format (environment `test_delta`)."""
    return e2e_lake.build(scratch, spark, airflow_home, table_format="delta")
