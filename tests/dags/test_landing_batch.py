"""The landing DAG hands its one ingest task every source's plan, rendered as Airflow renders it."""

from __future__ import annotations

import importlib.util
import json

import pytest

from spark_apps.config import PROJECT_ROOT
from spark_apps.jobs.ingest_raw import plans_argument


class ValidatedBatch:
    """A task instance whose validate tasks returned these plan URIs (None: the task was skipped)."""

    dag_id, task_id = "landing_to_raw", "ingest"

    def __init__(self, plans: dict[str, str | None]) -> None:
        self.plans = plans

    def xcom_pull(self, task_ids: str) -> str | None:
        return self.plans[task_ids.removesuffix(".validate_files")]


@pytest.fixture(scope="module")
def landing_dag(monkeypatch_module):
    monkeypatch_module.setenv("PIPELINE_ENV", "test")
    spec = importlib.util.spec_from_file_location("landing_to_raw_dag", PROJECT_ROOT / "dags" / "landing_to_raw.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.landing_to_raw()


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def test_the_ingest_receives_each_validated_plan_and_no_skipped_source(landing_dag):
    # Given a batch where customers and products delivered files and every other source was skipped
    ingest = landing_dag.get_task("ingest")
    sources = [t.task_id.removesuffix(".validate_files") for t in ingest.upstream_list]
    plans = dict.fromkeys(sources)
    plans |= {"customers": "file:///lake/ops/plans/customers/r1.json", "products": "s3://b/ops/plans/products/r1.json"}

    # When Airflow renders the task's arguments
    context = {"ti": ValidatedBatch(plans), "run_id": "r1", "params": {"mode": "incremental"}}
    args = ingest.render_template(ingest.application_args, context)

    # Then --plans is a JSON object of every source, null where skipped, and the job keeps the delivered ones
    rendered = json.loads(args[args.index("--plans") + 1])
    assert rendered == plans and len(rendered) == 9
    assert {s: u for s, u in plans_argument(args[args.index("--plans") + 1]).items() if u} == {
        "customers": "file:///lake/ops/plans/customers/r1.json",
        "products": "s3://b/ops/plans/products/r1.json",
    }
    assert args[args.index("--mode") + 1] == "incremental"


def test_a_plans_argument_that_is_not_an_object_of_uris_is_refused():
    with pytest.raises(ValueError, match="JSON object of source -> plan URI"):
        plans_argument('["customers"]')
    with pytest.raises(ValueError, match="JSON object of source -> plan URI"):
        plans_argument('{"customers": 3}')
