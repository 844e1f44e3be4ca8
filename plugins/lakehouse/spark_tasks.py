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
from spark_apps.spark_conf import spark_conf


def application_path(env: EnvConfig, app: str) -> str:
    return f"{env.spark.apps_root.rstrip('/')}/{app}.py"


def spark_task(
    env: EnvConfig,
    task_id: str,
    app: str,
    args: Sequence[str] = (),
    **operator_kwargs: Any,
) -> BaseOperator:
    """A task that runs ``spark_apps/jobs/<app>.py`` with ``--env`` and ``--run-id`` plus ``args``."""
    app_args = ["--env", env.name, "--run-id", "{{ run_id }}", *args]
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
            env_vars={ENV_VAR: env.name, HOME_VAR: str(PROJECT_ROOT), CONFIG_DIR_VAR: str(config_dir())},
            **operator_kwargs,
        )
    raise NotImplementedError(f"spark.backend '{env.spark.backend}' is not supported yet")
