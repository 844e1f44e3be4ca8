"""Contract test of the Databricks backend: a DAG run under `airflow dags test` against a fake Jobs API 2.2.

Databricks cannot run here, so a local HTTP server plays the Jobs API and records every request;
the tests check the exact payload, the polling and how a failed run fails the task.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

AIRFLOW = str(Path(sys.executable).parent / "airflow")
RUN_ID = 4242


class FakeJobsApi:
    """runs/submit returns a run id; runs/get says RUNNING once, then TERMINATED with ``result``."""

    def __init__(self, result: str = "SUCCESS", message: str = "") -> None:
        self.result, self.message = result, message
        self.requests: list[dict] = []
        self.polls = 0
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def _reply(self, body: dict, status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                api.requests.append(
                    {"method": "POST", "path": self.path, "body": body, "auth": self.headers.get("Authorization")}
                )
                if self.path == "/api/2.2/jobs/runs/submit":
                    self._reply({"run_id": RUN_ID})
                else:
                    self._reply({"error_code": "NOT_FOUND"}, 404)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                api.requests.append({"method": "GET", "path": url.path, "query": parse_qs(url.query)})
                if url.path == "/api/2.2/jobs/runs/get":
                    api.polls += 1
                    if api.polls == 1:
                        state = {"life_cycle_state": "RUNNING", "state_message": "In run"}
                    else:
                        state = {
                            "life_cycle_state": "TERMINATED",
                            "result_state": api.result,
                            "state_message": api.message,
                        }
                    self._reply(
                        {"run_id": RUN_ID, "run_page_url": f"https://dbc.example/#job/1/run/{RUN_ID}", "state": state}
                    )
                else:
                    self._reply({"error_code": "NOT_FOUND"}, 404)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def submits(self) -> list[dict]:
        return [r for r in self.requests if r["path"] == "/api/2.2/jobs/runs/submit"]

    def gets(self) -> list[dict]:
        return [r for r in self.requests if r["path"] == "/api/2.2/jobs/runs/get"]


def run_dag(api: FakeJobsApi, airflow_home: Path, dag_id: str = "retail_processing") -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(airflow_home),
        "PIPELINE_ENV": "databricks",
        "DATABRICKS_POLL_SECONDS": "1",
        "DATABRICKS_RETRIES": "0",
        "AIRFLOW_CONN_DATABRICKS_DEFAULT": json.dumps(
            {
                "conn_type": "databricks",
                "host": "127.0.0.1",
                "port": api.port,
                "schema": "http",
                "password": "dapi-test-token",
            }
        ),
    }
    return subprocess.run(
        [AIRFLOW, "dags", "test", dag_id, "2026-03-01"], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def succeeded(airflow_home) -> Iterator[tuple[FakeJobsApi, subprocess.CompletedProcess]]:
    """One successful run of retail_processing against the fake API, shared by the tests that read its
    requests (each run is a full `airflow dags test`)."""
    api = FakeJobsApi()
    try:
        yield api, run_dag(api, airflow_home)
    finally:
        api.server.shutdown()


def test_the_same_entry_point_and_arguments_are_submitted_as_a_spark_python_task(succeeded):
    api, proc = succeeded

    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    build, gate = api.submits()
    submit = build
    body = build["body"]
    task = body["spark_python_task"]
    assert task["python_file"] == "/Workspace/Shared/lakehouse/jobs/build_domain.py"
    assert task["parameters"][:3] == ["--env", "databricks", "--run-id"]
    assert task["parameters"][3].startswith("manual__")
    assert body["new_cluster"]["spark_version"] == "15.4.x-scala2.12"
    assert body["new_cluster"]["spark_env_vars"] == {
        "PIPELINE_ENV": "databricks",
        "PIPELINE_CONFIG_DIR": "/Workspace/Shared/lakehouse/config",
    }
    assert body["libraries"][0] == {"whl": "/Workspace/Shared/lakehouse/lakehouse_pipelines-0.1.0-py3-none-any.whl"}
    # the Deequ jar CI runs, by the coordinate config/jvm_packages.yaml pins, with its excludes
    assert body["libraries"][-1] == {
        "maven": {
            "coordinates": "com.amazon.deequ:deequ:2.1.0-spark-3.5",
            "exclusions": ["software.amazon.glue:dqdl", "net.sourceforge.f2j:arpack_combined_all"],
        }
    }
    assert body["run_name"] == "build_domain-build_models"
    assert submit["auth"] == "Bearer dapi-test-token"
    gate_task = gate["body"]["spark_python_task"]
    assert gate["body"]["run_name"] == "quality_gate-quality_gate"
    assert gate_task["python_file"] == "/Workspace/Shared/lakehouse/jobs/quality_gate.py"
    assert gate_task["parameters"][4:] == [
        *("--dag-id", "retail_processing", "--task-id", "quality_gate"),
        *("--layers", "processing", "marts", "--domain", "retail", "--as-of", "2026-03-01"),
    ]


def test_the_idempotency_token_is_stable_for_the_task_instance(succeeded):
    api, _ = succeeded

    body = api.submits()[0]["body"]
    run_id = body["spark_python_task"]["parameters"][3]
    expected = uuid.uuid5(uuid.NAMESPACE_URL, f"retail_processing/build_models/{run_id}/-1")
    assert body["idempotency_token"] == str(expected)


def test_the_run_is_polled_until_it_terminates(succeeded):
    api, _ = succeeded

    gets = api.gets()
    assert len(gets) >= 2
    assert all(g["query"]["run_id"] == [str(RUN_ID)] for g in gets)


def test_a_failed_run_fails_the_task_with_the_runs_message(airflow_home):
    api = FakeJobsApi(result="FAILED", message="AnalysisException: table lakehouse.raw.customers not found")
    try:
        proc = run_dag(api, airflow_home)
    finally:
        api.server.shutdown()

    assert proc.returncode != 0
    output = proc.stdout + proc.stderr
    assert "AnalysisException: table lakehouse.raw.customers not found" in output
    assert len(api.submits()) == 1
