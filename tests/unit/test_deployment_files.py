"""Dockerfile and compose file: what can be checked without a Docker engine."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import yaml

from spark_apps import __version__
from spark_apps.archive import build_archive, build_config_archive

ROOT = Path(__file__).resolve().parents[2]


def pinned(package: str) -> str:
    text = (ROOT / "requirements.txt").read_text()
    return re.search(rf"^{re.escape(package)}==([\w.]+)", text, re.M).group(1)


def test_dockerfile_uses_the_pinned_airflow_and_python():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert f"FROM apache/airflow:{pinned('apache-airflow')}-python3.11" in dockerfile
    assert "openjdk-17" in dockerfile
    # the image resolves the pinned JVM packages at build time, after config/ and spark_apps/ are in
    assert dockerfile.index("python -m spark_apps.jvm_deps") > dockerfile.index("COPY --chown=airflow:root config ")


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


def test_compose_runs_airflow_postgres_spark_and_minio_with_buckets():
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


def test_compose_spark_matches_the_pinned_spark_minor_version():
    compose = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
    minor = ".".join(pinned("pyspark[sql]").split(".")[:2])

    for name in ("spark-master", "spark-worker"):
        assert compose["services"][name]["image"].startswith(f"apache/spark:{minor}.")


def test_compose_mounts_only_files_that_exist():
    compose = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
    mounts = [v.split(":")[0] for svc in compose["services"].values() for v in svc.get("volumes", [])]
    files = [m for m in mounts if m.startswith("./") and m != "./data"]

    assert files == ["./include/sql/docker/init-warehouse.sql"]
    assert all((ROOT / f).is_file() for f in files)


def test_the_wheel_carries_the_project_version(tmp_path):
    import subprocess
    import sys

    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=300,
    )

    assert [p.name for p in tmp_path.glob("*.whl")] == [f"lakehouse_pipelines-{__version__}-py3-none-any.whl"]


def test_config_archive_unpacks_as_a_config_dir(tmp_path):
    archive = build_config_archive(tmp_path / "pipeline_config.zip")

    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
    assert {"environments/prod.yaml", "sources/transactions.yaml", "warehouse/tables.yaml"} <= names
