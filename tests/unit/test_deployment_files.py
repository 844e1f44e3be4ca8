"""Dockerfile and compose file: what can be checked without a Docker engine."""

from __future__ import annotations

import json
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
    assert {"spark_apps/__init__.py", "spark_apps/config/__init__.py", "spark_apps/jobs/ingest_raw.py"} <= names
    assert not [n for n in names if "__pycache__" in n]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yaml").read_text())


def test_compose_spark_runs_on_the_project_image_so_python_java_and_pyspark_match_airflow():
    services = compose()["services"]
    airflow_image = services["airflow-scheduler"]["image"]

    for name in ("spark-master", "spark-worker"):
        assert services[name]["image"] == airflow_image, name
        assert services[name]["entrypoint"] == ["spark-class"], name  # not Airflow's entrypoint
    assert services["spark-worker"]["command"] == ["org.apache.spark.deploy.worker.Worker", "spark://spark-master:7077"]


def test_compose_runs_the_dags_unpaused_as_the_host_user_with_the_compose_environment():
    airflow = compose()["services"]["airflow-scheduler"]
    env = airflow["environment"]

    assert airflow["user"] == "${AIRFLOW_UID:-50000}:0"
    assert env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "False"
    assert env["PIPELINE_ENV"] == "compose"


def test_the_compose_environment_uses_connections_and_services_compose_defines():
    # given the environment the compose stack runs and the connections its containers carry
    from spark_apps.config import load_env

    services = compose()["services"]
    env = services["airflow-scheduler"]["environment"]
    cfg = load_env("compose")

    # then every connection the config names is defined, and points at a compose service
    def conn(conn_id: str) -> dict:
        return json.loads(env[f"AIRFLOW_CONN_{conn_id.upper()}"])

    assert cfg.warehouse.target == "postgres"
    assert (conn(cfg.warehouse.conn_id)["host"], conn(cfg.warehouse.conn_id)["schema"]) == ("postgres", "warehouse")
    assert conn(cfg.spark.conn_id)["host"] == "spark://spark-master"
    assert conn(cfg.lake.aws_conn_id)["extra"]["endpoint_url"] == "http://minio:9000"
    assert cfg.spark.conf["spark.hadoop.fs.s3a.endpoint"] == "http://minio:9000"
    # and the lake's bucket is the one minio-init creates
    bucket = cfg.lake.root.removeprefix("s3://").split("/")[0]
    assert f"local/{bucket}" in " ".join(services["minio-init"]["command"])
    assert "s3a" in cfg.spark.jvm_packages and {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= set(env)


def test_make_compose_demo_mirrors_the_landing_files_into_the_lake_bucket_and_triggers_the_run():
    import subprocess

    from spark_apps.config import load_env

    # when make prints what compose-demo would run
    dry = subprocess.run(["make", "-n", "compose-demo"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    landing = load_env("compose").lake.root.replace("s3://", "local/") + "/landing"

    # then the files go to the compose lake's landing prefix, and the services it uses exist
    assert f"mc mirror --overwrite /landing {landing}" in dry
    assert "airflow dags trigger landing_to_raw" in dry
    assert (
        dry.index("dags trigger landing_to_raw")
        < dry.index("dags state landing_to_raw")
        < dry.index("dags trigger account_summary")
    )
    used = set(re.findall(r"docker compose (?:run --rm -v \S+|exec -T) ([\w-]+)", dry))
    assert used == {"minio-init", "airflow-scheduler"} and used <= set(compose()["services"])


def test_make_demo_runs_its_short_jobs_c1_only_and_the_days_landing_batch_with_the_jits_defaults():
    import subprocess

    def dry_run(*overrides: str) -> list[str]:
        out = subprocess.run(["make", "-n", "demo", *overrides], cwd=ROOT, capture_output=True, text=True, check=True)
        return [line for line in out.stdout.splitlines() if " dags test " in line or "lake_report" in line]

    # when make prints what demo would run
    commands = dry_run()

    # then the day's landing batch starts its driver with the JVM's defaults (dev.yaml reads no option from make)
    day = [c for c in commands if "dags test landing_to_raw" in c and "batch_date" not in c]
    assert len(day) == 1 and "PIPELINE_DRIVER_JAVA_OPTIONS" not in day[0]
    # and the next day's delivery, every DAG after landing, the warehouse load and the lake report run C1 only
    short = [c for c in commands if c not in day and not c.startswith("echo ")]
    assert {re.search(r"dags test (\w+)|(lake_report)", c).group(1) or "lake_report" for c in short} == {
        "landing_to_raw",
        "retail_processing",
        "banking_processing",
        "events_processing",
        "account_summary",
        "processing_to_warehouse",
        "lake_report",
    }
    assert all(c.startswith("PIPELINE_DRIVER_JAVA_OPTIONS='-XX:TieredStopAtLevel=1' ") for c in short)

    # and the variable turns it off
    off = [c for c in dry_run("DEMO_SHORT_JOBS_JVM=") if c.startswith("PIPELINE_DRIVER_JAVA_OPTIONS=")]
    assert len(off) == len(short) and all(c.startswith("PIPELINE_DRIVER_JAVA_OPTIONS='' ") for c in off)


def test_compose_mounts_only_files_that_exist():
    compose = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
    mounts = [v.split(":")[0] for svc in compose["services"].values() for v in svc.get("volumes", [])]
    files = [m for m in mounts if m.startswith("./") and m != "./data"]

    assert files == ["./include/sql/docker/init-warehouse.sql"]
    assert all((ROOT / f).is_file() for f in files)


def packaged_wheel(tmp_path: Path) -> Path:
    """The wheel `make package` built (`make test` runs it first) when it is newer than what names its version;
    else one built here, so the test also runs alone."""
    import subprocess
    import sys

    name = f"lakehouse_pipelines-{__version__}-py3-none-any.whl"
    built = ROOT / "dist" / name
    sources = (ROOT / "pyproject.toml", ROOT / "spark_apps" / "__init__.py")
    if built.is_file() and built.stat().st_mtime >= max(s.stat().st_mtime for s in sources):
        return built
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return tmp_path / name


def test_the_wheel_carries_the_project_version(tmp_path):
    wheel = packaged_wheel(tmp_path)

    with zipfile.ZipFile(wheel) as zf:
        metadata = zf.read(f"lakehouse_pipelines-{__version__}.dist-info/METADATA").decode()
        names = set(zf.namelist())
    assert f"\nVersion: {__version__}\n" in metadata
    assert {"spark_apps/__init__.py", "spark_apps/jobs/build_domain.py"} <= names


def test_config_archive_unpacks_as_a_config_dir(tmp_path):
    archive = build_config_archive(tmp_path / "pipeline_config.zip")

    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
    expected = {"environments/prod.yaml", "domains/retail/sources/transactions.yaml", "domains/retail/warehouse.yaml"}
    assert expected <= names
