"""Landing on S3, against moto's S3 server over real HTTP: listing, validation, quarantine moves."""

from __future__ import annotations

import json

from spark_apps.config import load_env
from spark_apps.landing import BatchPlan, landing_batch_dates, plan_batch
from tests.integration.landing_helpers import fresh_contract

DATE = "2026-09-01"
HEADER = b"customer_id,first_name,signup_date\n"


def keys(client, bucket: str) -> set[str]:
    return {o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])}


def test_bad_files_are_moved_to_quarantine_with_reasons_and_good_ones_stay(s3):
    from lakehouse.s3_store import S3Store

    client, bucket = s3
    c = fresh_contract()
    prefix = f"lake/landing/{c.name}/{DATE}"
    client.put_object(Bucket=bucket, Key=f"{prefix}/good.csv", Body=HEADER + b"1,Ann,2026-01-01\n")
    client.put_object(Bucket=bucket, Key=f"{prefix}/empty.csv", Body=b"")
    client.put_object(
        Bucket=bucket, Key=f"{prefix}/latin1.csv", Body=HEADER + "2,Jos\u00e9,2026-01-01\n".encode("latin-1")
    )
    client.put_object(Bucket=bucket, Key=f"{prefix}/notes.txt", Body=b"not matched by the glob")

    plan = plan_batch(S3Store("aws_lake"), f"s3://{bucket}/lake", c, [DATE])

    assert [f.uri for f in plan.accepted()] == [f"s3://{bucket}/{prefix}/good.csv"]
    assert {f.uri.rsplit("/", 1)[-1]: f.reason for f in plan.rejected()} == {
        "empty.csv": "empty file",
        "latin1.csv": f"not valid UTF-8: byte 0xe9 at offset {len(HEADER) + 5}",
        "notes.txt": "wrong format for this source: it loads csv files named *.csv",  # none escapes the plan
    }
    qprefix = f"lake/quarantine/files/{c.name}/{DATE}"
    assert keys(client, bucket) == {
        f"{prefix}/good.csv",
        f"{qprefix}/empty.csv",
        f"{qprefix}/latin1.csv",
        f"{qprefix}/notes.txt",
        f"{qprefix}/reason.json",
    }
    reasons = json.loads(client.get_object(Bucket=bucket, Key=f"{qprefix}/reason.json")["Body"].read())
    assert sorted(e["file"] for e in reasons["files"]) == ["empty.csv", "latin1.csv", "notes.txt"]
    assert all(e["original_uri"].startswith(f"s3://{bucket}/{prefix}/") for e in reasons["files"])


def test_rerun_on_s3_still_reports_the_quarantined_files(s3):
    from lakehouse.s3_store import S3Store

    client, bucket = s3
    c = fresh_contract()
    client.put_object(Bucket=bucket, Key=f"lake/landing/{c.name}/{DATE}/empty.csv", Body=b"")
    store = S3Store("aws_lake")
    plan_batch(store, f"s3://{bucket}/lake", c, [DATE])

    again = plan_batch(store, f"s3://{bucket}/lake", c, [DATE])

    assert [(f.reason, f.quarantined_to) for f in again.files] == [
        ("empty file", f"s3://{bucket}/lake/quarantine/files/{c.name}/{DATE}/empty.csv")
    ]


def test_batch_folders_are_listed_for_full_refresh(s3):
    from lakehouse.s3_store import S3Store

    client, bucket = s3
    for date in ("2026-09-02", "2026-09-01", "not-a-date"):
        client.put_object(Bucket=bucket, Key=f"lake/landing/src/{date}/a.csv", Body=HEADER)

    assert landing_batch_dates(S3Store("aws_lake"), f"s3://{bucket}/lake", "src") == ["2026-09-01", "2026-09-02"]


def test_the_airflow_task_writes_the_plan_to_the_s3_lake(s3, monkeypatch):
    from lakehouse.landing_tasks import validate_batch

    client, bucket = s3
    env = load_env("test")
    env = env.model_copy(
        update={"lake": env.lake.model_copy(update={"root": f"s3://{bucket}/lake", "aws_conn_id": "aws_lake"})}
    )
    client.put_object(Bucket=bucket, Key=f"lake/landing/customers/{DATE}/c.csv", Body=HEADER + b"1,Ann,2026-01-01\n")

    uri = validate_batch(env, "customers", DATE, "incremental", "manual__2026-09-01T00:00:00+00:00")

    assert uri == f"s3://{bucket}/lake/ops/plans/customers/manual__2026-09-01T00_00_00_00_00.json"
    plan = BatchPlan.from_json(client.get_object(Bucket=bucket, Key=uri.split("/", 3)[3])["Body"].read().decode())
    assert [(f.uri, f.size, f.reason) for f in plan.files] == [
        (f"s3://{bucket}/lake/landing/customers/{DATE}/c.csv", len(HEADER) + 17, None)
    ]
