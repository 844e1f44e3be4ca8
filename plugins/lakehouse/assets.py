"""Assets for lake tables: the contract between a DAG that writes a table and those that read it."""

from __future__ import annotations

from airflow.sdk import Asset


def table_asset(namespace: str, table: str) -> Asset:
    return Asset(name=f"{namespace}.{table}", uri=f"iceberg://lake/{namespace}/{table}")


def table_asset_named(name: str) -> Asset:
    """The Asset of a table named as config names it, ``<zone>.<table>``."""
    return table_asset(*name.split(".", 1))


def warehouse_asset(table: str) -> Asset:
    return Asset(name=f"warehouse.{table}", uri=f"warehouse://analytics/{table}")
