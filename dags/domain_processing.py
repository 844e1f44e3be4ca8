"""Raw → processing for every domain that declares models: one DAG per domain, generated from
config/domains/<domain>/domain.yaml (adding a domain adds a DAG, with no code change).

``<domain>_processing`` runs when any raw table its models read changes. ``build_models`` builds the
domain's models in declaration order (re-running changes nothing); ``quality_gate`` checks the domain's
processing and marts suites, writes ops.quality_results and the run's reports, fails on a breached
threshold and emits the models' Assets, so the warehouse loads only data that passed. Param ``mode``:
``incremental`` (default) or ``full_refresh`` (every input read whole; the same tables).
"""

from __future__ import annotations

from airflow.sdk import DAG, AssetAny

from lakehouse.assets import table_asset, table_asset_named
from lakehouse.dag_settings import RUN_DATE, dag_kwargs, env, mode_param
from lakehouse.spark_tasks import spark_task
from spark_apps.model_spec import DomainSpec, load_domains

cfg = env()


def domain_dag(domain: DomainSpec) -> DAG:
    raw = [table_asset_named(table) for table in domain.raw_inputs()]
    with DAG(
        dag_id=f"{domain.name}_processing",
        schedule=AssetAny(*raw),
        **dag_kwargs(cfg, "processing", domain.name),
        params={
            "mode": mode_param("reads every input whole (the same tables)"),
        },
        description=domain.description,
        doc_md=__doc__,
    ) as dag:
        build = spark_task(
            cfg,
            task_id="build_models",
            app="build_domain",
            args=["--domain", domain.name, "--mode", "{{ params.mode }}", "--as-of", RUN_DATE],
            inlets=raw,
        )
        gate = spark_task(
            cfg,
            task_id="quality_gate",
            app="quality_gate",
            args=["--layers", "processing", "marts", "--domain", domain.name, "--as-of", RUN_DATE],
            outlets=[table_asset(m.zone, m.table_name) for m in domain.models],
        )
        build >> gate
    return dag


for _domain in load_domains().values():
    if _domain.models:
        globals()[f"{_domain.name}_processing"] = domain_dag(_domain)
