"""Dockerfile and compose file: what can be checked without a Docker engine."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import yaml

from spark_apps import __version__
from spark_apps.archive import build_archive

ROOT = Path(__file__).resolve().parents[2]


def pinned(package: str) -> str:
    text = (ROOT / "requirements.txt").read_text()
    return re.search(rf"^{re.escape(package)}==([\w.]+)", text, re.M).group(1)


def test_dockerfile_uses_the_pinned_airflow_and_python():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert f"FROM apache/airflow:{pinned('apache-airflow')}-python3.11" in dockerfile
    assert "openjdk-17" in dockerfile


def test_dockerfile_copies_only_paths_that_exist():
    dockerfile = (ROOT / "Dockerfile").read_text()
    sources = [
        src
        for line in dockerfile.splitlines()
        if line.startswith("COPY")
        for src in line.split()[1:-1]
        if not src.startswith("--")
    ]

    assert sources, "no COPY lines found"
    assert [s for s in sources if not (ROOT / s).exists()] == []


def test_compose_runs_the_airflow_3_services_on_postgres():
    compose = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
    services = compose["services"]

    assert {"postgres", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"} <= set(
        services
    )
    assert services["airflow-apiserver"]["command"] == ["airflow", "api-server"]
    assert services["airflow-scheduler"]["build"] == "."
    mount = services["airflow-scheduler"]["volumes"][0]
    assert mount.startswith("./data:")


def test_archive_holds_the_package_and_its_version(tmp_path):
    archive = build_archive(tmp_path / "spark_apps.zip")

    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
        assert zf.read("spark_apps/VERSION").decode() == __version__
    assert {"spark_apps/__init__.py", "spark_apps/config.py", "spark_apps/jobs/ingest_raw.py"} <= names
    assert not [n for n in names if "__pycache__" in n]
