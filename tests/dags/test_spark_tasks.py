"""The Spark task factory: the spark-submit command it produces, as the provider's own tests check it."""

from __future__ import annotations

from airflow.providers.apache.spark.hooks.spark_submit import SparkSubmitHook
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

from lakehouse.spark_tasks import spark_task
from spark_apps.config import PROJECT_ROOT as ROOT
from spark_apps.config import load_env
from spark_apps.spark_conf import spark_conf

RUN_ARGS = ("--run-id", "{{ run_id }}", "--dag-id", "{{ ti.dag_id }}", "--task-id", "{{ ti.task_id }}")


def build_command(op: SparkSubmitOperator) -> list[str]:
    """The exact command the operator's own hook would run."""
    hook: SparkSubmitHook = op._get_hook()
    return hook._build_spark_submit_command(op.application)


def test_local_task_submits_the_app_with_jar_catalog_and_archive():
    env = load_env("test")

    op = spark_task(env, "ingest", "ingest_raw", ["--source", "customers"])
    cmd = build_command(op)

    assert cmd[:3] == ["spark-submit", "--master", "local[2]"]
    assert f"spark.jars={spark_conf(env)['spark.jars']}" in cmd
    assert "org.apache.iceberg_iceberg-spark-runtime-3.5_2.12-1.10.0.jar" in spark_conf(env)["spark.jars"]
    assert "spark.sql.catalog.lake.type=hadoop" in cmd
    assert cmd[cmd.index("--py-files") + 1] == env.spark.py_files
    assert cmd[-11:] == [op.application, "--env", "test", *RUN_ARGS, "--source", "customers"]
    assert op.application.endswith("spark_apps/jobs/ingest_raw.py")
    assert op.env_vars["PIPELINE_ENV"] == "test"


def test_prod_task_uses_cluster_mode_packages_and_s3_artifacts(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_SPARK_EMR", '{"conn_type": "spark", "host": "yarn"}')
    env = load_env("prod")

    op = spark_task(env, "ingest", "ingest_raw")
    cmd = build_command(op)

    assert cmd[:3] == ["spark-submit", "--master", "yarn"]
    assert cmd[cmd.index("--deploy-mode") + 1] == "cluster"
    assert any(c.startswith("spark.jars.packages=org.apache.iceberg:iceberg-spark-runtime-3.5_2.12") for c in cmd)
    assert not any(c.startswith("spark.jars=") for c in cmd)
    assert op.application == "s3://acme-lakehouse/artifacts/jobs/ingest_raw.py"
    assert cmd[cmd.index("--py-files") + 1] == "s3://acme-lakehouse/artifacts/spark_apps.zip"
    # The driver runs on the cluster: config comes from the shipped archive, never from this machine.
    assert "spark.yarn.dist.archives=s3://acme-lakehouse/artifacts/pipeline_config.zip#pipeline_config" in cmd
    assert "spark.yarn.appMasterEnv.PIPELINE_CONFIG_DIR=./pipeline_config" in cmd
    assert "spark.yarn.appMasterEnv.PIPELINE_ENV=prod" in cmd
    assert not [c for c in cmd if "PIPELINE_HOME" in c or str(ROOT) in c]


def test_standalone_master_comes_from_the_connection(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_SPARK_LOCAL", '{"conn_type": "spark", "host": "spark://spark-master", "port": 7077}'
    )

    cmd = build_command(spark_task(load_env("test"), "t", "ingest_raw"))

    assert cmd[1:3] == ["--master", "spark://spark-master:7077"]


def test_kubernetes_task_runs_in_cluster_mode_with_the_image_and_namespace(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_SPARK_K8S", '{"conn_type": "spark", "host": "k8s://https://kubernetes.default.svc", "port": 443}'
    )

    op = spark_task(load_env("kubernetes"), "t", "build_domain")
    cmd = build_command(op)

    assert cmd[1:3] == ["--master", "k8s://https://kubernetes.default.svc:443"]
    assert cmd[cmd.index("--deploy-mode") + 1] == "cluster"
    assert "spark.kubernetes.container.image=apache/spark-py:v3.5.1" in cmd
    assert "spark.kubernetes.namespace=data" in cmd
    assert "spark.sql.catalog.lake.type=rest" in cmd
    assert cmd[-9:] == [op.application, "--env", "kubernetes", *RUN_ARGS]
    assert op.application == "s3a://acme-lakehouse/artifacts/jobs/build_domain.py"


def test_databricks_backend_is_a_config_change():
    from airflow.providers.databricks.operators.databricks import DatabricksSubmitRunOperator

    op = spark_task(load_env("databricks"), "build_model", "build_domain", ["--x", "1"])

    assert isinstance(op, DatabricksSubmitRunOperator)
    assert op.spark_python_task == {
        "python_file": "/Workspace/Shared/lakehouse/jobs/build_domain.py",
        "parameters": ["--env", "databricks", *RUN_ARGS, "--x", "1"],
    }
    assert op.new_cluster["num_workers"] == 2
    assert op.existing_cluster_id is None


def test_databricks_can_run_on_an_existing_cluster():
    env = load_env("databricks")
    db = env.spark.databricks.model_copy(update={"existing_cluster_id": "0101-abc", "new_cluster": None})
    env = env.model_copy(update={"spark": env.spark.model_copy(update={"databricks": db})})

    op = spark_task(env, "build_model", "build_domain")

    assert op.existing_cluster_id == "0101-abc"
    assert op.new_cluster is None
