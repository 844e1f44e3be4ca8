"""The one factory that turns "run this Spark app with these arguments" into an Airflow task.

DAGs never name an operator class: the environment config chooses the backend, so moving from a
laptop to YARN, Kubernetes or Databricks is a config change, not a code change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import BaseOperator

from spark_apps.config import CONFIG_DIR_VAR, ENV_VAR, HOME_VAR, PROJECT_ROOT, EnvConfig, config_dir
from spark_apps.spark_conf import maven_libraries, spark_conf

# Same for every try of a task instance, so a retry re-attaches to the run instead of submitting another.
IDEMPOTENCY_TOKEN = (
    "{{ macros.uuid.uuid5(macros.uuid.NAMESPACE_URL, "
    "dag.dag_id ~ '/' ~ task.task_id ~ '/' ~ run_id ~ '/' ~ ti.map_index) }}"
)


def _driver_env(env: EnvConfig) -> dict[str, str]:
    """The driver runs here in client mode, so it can use this project folder; in cluster mode the
    environment config points PIPELINE_CONFIG_DIR at config shipped to the cluster instead."""
    if env.spark.deploy_mode == "cluster":
        return {ENV_VAR: env.name}
    return {ENV_VAR: env.name, HOME_VAR: str(PROJECT_ROOT), CONFIG_DIR_VAR: str(config_dir())}


def application_path(env: EnvConfig, app: str) -> str:
    return f"{env.spark.apps_root.rstrip('/')}/{app}.py"


def spark_task(
    env: EnvConfig,
    task_id: str,
    app: str,
    args: Sequence[str] = (),
    **operator_kwargs: Any,
) -> BaseOperator:
    """A task that runs ``<apps_root>/<app>.py`` with ``--env`` and ``--run-id`` plus ``args``:
    spark-submit (local, standalone, YARN, Kubernetes masters, from the connection) or a Databricks
    ``spark_python_task`` with the same entry point and arguments."""
    run_args = ["--run-id", "{{ run_id }}", "--dag-id", "{{ ti.dag_id }}", "--task-id", "{{ ti.task_id }}"]
    app_args = ["--env", env.name, *run_args, *args]
    if env.spark.backend == "spark_submit":
        return SparkSubmitOperator(
            task_id=task_id,
            application=application_path(env, app),
            application_args=app_args,
            conn_id=env.spark.conn_id,
            conf=spark_conf(env),
            py_files=env.spark.py_files,
            deploy_mode=env.spark.deploy_mode,
            name=f"{app}-{task_id}",
            env_vars=_driver_env(env),
            **operator_kwargs,
        )
    from airflow.providers.databricks.operators.databricks import DatabricksSubmitRunOperator

    db = env.spark.databricks
    assert db is not None  # validated at config load
    cluster: dict[str, Any] = (
        {"existing_cluster_id": db.existing_cluster_id} if db.existing_cluster_id else {"new_cluster": db.new_cluster}
    )
    return DatabricksSubmitRunOperator(
        task_id=task_id,
        databricks_conn_id=env.spark.conn_id,
        spark_python_task={"python_file": application_path(env, app), "parameters": app_args},
        libraries=[*db.libraries, *maven_libraries(env)],
        run_name=f"{app}-{task_id}",
        idempotency_token=IDEMPOTENCY_TOKEN,
        polling_period_seconds=db.polling_period_seconds,
        **cluster,
        **operator_kwargs,
    )
