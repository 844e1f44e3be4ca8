"""The landing zone on S3, through the amazon provider's S3Hook (listing, streaming reads, moves)."""

from __future__ import annotations

import builtins
import fnmatch
from collections.abc import Iterator

from airflow.providers.amazon.aws.hooks.s3 import S3Hook

from spark_apps.config import EnvConfig
from spark_apps.landing import CHUNK, LandedFile, LandingStore, LocalStore


def split_uri(uri: str) -> tuple[str, str]:
    """s3://bucket/some/key -> (bucket, some/key)."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


class S3Store:
    """A landing zone under s3://bucket/prefix. Moves are copy + delete, as S3 has no rename."""

    def __init__(self, aws_conn_id: str) -> None:
        self.hook = S3Hook(aws_conn_id=aws_conn_id)

    def list(self, prefix: str, pattern: str) -> list[LandedFile]:
        bucket, key_prefix = split_uri(prefix.rstrip("/") + "/")
        pages = self.hook.get_conn().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key_prefix)
        files = [
            LandedFile(f"s3://{bucket}/{obj['Key']}", obj["Size"])
            for page in pages
            for obj in page.get("Contents", [])
            if "/" not in obj["Key"][len(key_prefix) :] and fnmatch.fnmatch(obj["Key"].rsplit("/", 1)[-1], pattern)
        ]
        return sorted(files, key=lambda f: f.uri)

    def list_folders(self, prefix: str) -> builtins.list[str]:
        bucket, key_prefix = split_uri(prefix.rstrip("/") + "/")
        prefixes = self.hook.list_prefixes(bucket_name=bucket, prefix=key_prefix, delimiter="/")
        return sorted(p[len(key_prefix) :].strip("/") for p in prefixes)

    def chunks(self, uri: str) -> Iterator[bytes]:
        bucket, key = split_uri(uri)
        yield from self.hook.get_key(key, bucket_name=bucket).get()["Body"].iter_chunks(CHUNK)

    def move(self, uri: str, dest_uri: str) -> None:
        bucket, key = split_uri(uri)
        dest_bucket, dest_key = split_uri(dest_uri)
        self.hook.copy_object(key, dest_key, source_bucket_name=bucket, dest_bucket_name=dest_bucket)
        self.hook.delete_objects(bucket, [key])

    def read_text(self, uri: str) -> str | None:
        bucket, key = split_uri(uri)
        return self.hook.read_key(key, bucket_name=bucket) if self.hook.check_for_key(key, bucket_name=bucket) else None

    def write_text(self, uri: str, text: str) -> None:
        bucket, key = split_uri(uri)
        self.hook.load_string(text, key, bucket_name=bucket, replace=True)


def store_for(env: EnvConfig) -> LandingStore:
    """S3 for an s3:// lake, the local folder otherwise."""
    return S3Store(env.lake.aws_conn_id) if env.lake.root.startswith("s3://") else LocalStore()
