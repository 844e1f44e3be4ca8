"""How a batch's parsed rows are cached, by the size of what landed."""

from __future__ import annotations

from pyspark import StorageLevel

from spark_apps.landing import PlannedFile
from spark_apps.raw_batch import IN_MEMORY_BATCH_BYTES, cache_level


def planned(size: int) -> PlannedFile:
    return PlannedFile(uri=f"/landing/t/2026-01-01/{size}.csv", size=size, sha256="0" * 64, batch_date="2026-01-01")


def test_a_small_batch_is_cached_in_memory_and_a_multi_gb_one_on_disk_only():
    # Given a batch of small files, one that just reaches the limit, and one multi-GB file
    small = [planned(10_000_000)] * 3
    at_limit = [planned(IN_MEMORY_BATCH_BYTES)]
    large = [planned(3 * 1024**3)]

    # Then only the batch over the limit is cached on disk only (its blocks stream back, never whole)
    assert cache_level(small) == StorageLevel.MEMORY_AND_DISK
    assert cache_level(at_limit) == StorageLevel.MEMORY_AND_DISK
    assert cache_level(large) == StorageLevel.DISK_ONLY
    assert cache_level([planned(IN_MEMORY_BATCH_BYTES // 2)] * 3) == StorageLevel.DISK_ONLY
