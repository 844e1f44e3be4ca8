"""A fresh bucket on moto's S3 server, and the Airflow connection that reaches it (tests share both)."""

from __future__ import annotations

import json
import uuid
from typing import Any

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
REGION = "us-east-1"


def aws_connection(endpoint: str) -> str:
    """The JSON of an Airflow AWS connection to the moto server (for ``AIRFLOW_CONN_<ID>``)."""
    return json.dumps(
        {
            "conn_type": "aws",
            "login": CREDENTIALS["aws_access_key_id"],
            "password": CREDENTIALS["aws_secret_access_key"],
            "extra": {"region_name": REGION, "endpoint_url": endpoint},
        }
    )


def fresh_bucket(endpoint: str) -> tuple[Any, str]:
    """A boto3 client of the moto server and a new, empty bucket of its own."""
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION, **CREDENTIALS)
    bucket = f"lake-{uuid.uuid4().hex[:8]}"
    client.create_bucket(Bucket=bucket)
    return client, bucket
