"""Shared fixtures. Every test runs against the `test` environment in throw-away folders."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[1]
_SCRATCH = Path(tempfile.mkdtemp(prefix="lakehouse-tests-"))

# Set before Airflow or the config module is imported anywhere, so nothing touches the user's folders.
os.environ.update(
    {
        "PIPELINE_ENV": "test",
        "PIPELINE_HOME": str(ROOT),
        "PIPELINE_LAKE_ROOT": str(_SCRATCH / "lake"),
        "PIPELINE_WAREHOUSE_PATH": str(_SCRATCH / "warehouse" / "lakehouse.duckdb"),
        "PIPELINE_PII_SALT": "test-salt-not-secret",  # no committed config carries one (without it: redaction)
        "AIRFLOW_HOME": str(_SCRATCH / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW_CONN_SPARK_LOCAL": '{"conn_type": "spark", "host": "local[2]"}',
        "SPARK_VERSION": "3.5",
        "PYSPARK_PYTHON": sys.executable,
        # The suite's jobs are small: C1 only, so C2's compiler threads do not compete with them for the
        # cores (bench/jvm_startup.py). Benchmarks on the test environment keep the JIT's defaults.
        "PIPELINE_DRIVER_JAVA_OPTIONS": "-XX:TieredStopAtLevel=1",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
)
sys.path.insert(0, str(ROOT / "plugins"))
# py4j logs from garbage-collected gateways after pytest closed its streams; nothing useful is lost.
logging.getLogger("py4j").setLevel(logging.ERROR)


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """Under ``--dist loadfile`` (``make test``): the tests of one file run on one worker, so module
    fixtures are built once, and the modules that read an end-to-end lake count as one file per lake
    (Iceberg, Delta), so each lake is built once. The end-to-end scopes are handed out first: they are
    the longest, and the other worker drains the short files meanwhile. (pytest-xdist's own
    ``xdist_group`` mark has no effect with pytest 9.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    from tests.integration.e2e_lake import LONGEST, MODULES

    class OneWorkerPerLake(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = _module(nodeid)
            if path not in MODULES:
                return path
            return "e2e-lake-delta" if "delta" in _params(nodeid) else "e2e-lake"

        def _assign_work_unit(self, node) -> None:
            for scope in reversed([s for s in self.workqueue if s in LONGEST]):
                self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return OneWorkerPerLake(config, log)


def _params(nodeid: str) -> list[str]:
    """A test's parameter ids: ``test_x[customers-delta]`` -> ["customers", "delta"]."""
    return nodeid.rpartition("[")[2].rstrip("]").split("-") if nodeid.endswith("]") else []


def _module(nodeid: str) -> str:
    """The test file of a node id (``tests/x/test_y.py::test_z`` → ``tests/x/test_y.py``)."""
    return nodeid.split("::", 1)[0]


def pytest_collection_modifyitems(items) -> None:
    from tests.integration.e2e_lake import MODULES

    strays = [i.nodeid for i in items if "e2e" in getattr(i, "fixturenames", ()) and _module(i.nodeid) not in MODULES]
    if strays:
        raise pytest.UsageError(f"tests using the e2e lake outside e2e_lake.MODULES (they would rebuild it): {strays}")
    # the scheduler tells the Delta lake's tests by their ids; one it missed would build that lake twice
    misplaced = [
        i.nodeid
        for i in items
        if getattr(getattr(i, "callspec", None), "params", {}).get("e2e") == "delta"
        and "delta" not in _params(i.nodeid)
    ]
    if misplaced:
        raise pytest.UsageError(f"Delta e2e tests the scheduler would put on the Iceberg lake's worker: {misplaced}")


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

    return TableIO.for_env(spark, test_env)


@pytest.fixture(scope="session")
def delta_io(spark, test_env):
    """Delta tables on the same session: the test environment ships the Delta jar, so its session has
    both extensions and Spark's session catalog is Delta's (folders under the warehouse)."""
    from spark_apps.table_io import TableIO

    return TableIO(spark, "spark_catalog", "delta", folders=test_env.catalog.warehouse)


@pytest.fixture(params=["iceberg", "delta"])
def lake_io(request, table_io, delta_io):
    """Each table format in turn: a test taking ``lake_io`` proves its behaviour on Iceberg and on Delta."""
    return table_io if request.param == "iceberg" else delta_io


POSTGRES_DSN_VAR = "PIPELINE_TEST_POSTGRES_DSN"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The admin DSN of a real PostgreSQL: ``$PIPELINE_TEST_POSTGRES_DSN`` when set, else a private
    trust-auth server started here from the installed binaries (tests/postgres_server.py) and stopped at
    the end. Without binaries the tests skip with the reason; under CI=true they fail."""
    given = os.environ.get(POSTGRES_DSN_VAR)
    if given:
        yield given
        return
    from tests.postgres_server import start_private_server

    try:
        server = start_private_server()
    except (FileNotFoundError, RuntimeError) as exc:
        message = f"no PostgreSQL to test against (set {POSTGRES_DSN_VAR}, or `make postgres`): {exc}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield server.dsn
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_db(postgres_server) -> Iterator[str]:
    """A throw-away database on the real PostgreSQL server of ``postgres_server``."""
    import psycopg

    admin_dsn = postgres_server
    try:
        admin = psycopg.connect(admin_dsn, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        message = f"no PostgreSQL at {admin_dsn} (set {POSTGRES_DSN_VAR}): {exc}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    name = f"lakehouse_test_{uuid.uuid4().hex[:8]}"
    admin.execute(f"CREATE DATABASE {name}")
    dsn = admin_dsn.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield dsn
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's S3 server over real HTTP on a free port, started here (a real S3 API, not an in-process mock)."""
    port = free_port()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("moto_server did not start")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def s3(moto_endpoint, monkeypatch):
    """A fresh bucket, and the Airflow connection the S3 store uses to reach it."""
    from tests.moto_s3 import aws_connection, fresh_bucket

    monkeypatch.setenv("AIRFLOW_CONN_AWS_LAKE", aws_connection(moto_endpoint))
    return fresh_bucket(moto_endpoint)
