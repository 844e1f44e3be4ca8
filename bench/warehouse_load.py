"""PostgreSQL warehouse load: throughput, and the cost of staging + MERGE against a plain COPY of the same rows.

    .venv/bin/python bench/warehouse_load.py --rows 1000000

One export of fact_transactions-shaped rows (Parquet + manifest, as the Spark export writes it) is
loaded into a fresh database on the PostgreSQL server ($PIPELINE_TEST_POSTGRES_DSN, default
127.0.0.1:5432 as postgres):
- copy:   the same CSV stream COPY'd straight into an empty table (the floor: no staging, no MERGE);
- insert: `lakehouse.warehouse.load_postgres` into an empty target (COPY to staging, MERGE inserts all,
          reconcile, one transaction);
- update: the same load again with every row's amount changed (MERGE updates all, reconcile).
Each is run --repeat times; the best counts. The last line holds `load_rows_per_s` and
`merge_vs_copy` (insert load time / plain COPY time).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))


def write_export(folder: Path, rows: int, amount_shift: float) -> str:
    """An export folder like the Spark job's: Parquet files and a manifest with exact sums."""
    from decimal import Decimal

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    folder.mkdir(parents=True)
    ids = pa.array(range(rows), pa.int64())
    shift = int(amount_shift * 100)
    amount = pa.array([Decimal((i % 1024) * 7 + shift).scaleb(-2) for i in range(rows)], pa.decimal128(12, 2))
    table = pa.table(
        {
            "transaction_id": pc.binary_join_element_wise("T", pc.cast(ids, pa.string()), ""),
            "date_key": pc.cast(pc.add(pc.bit_wise_and(ids, 511), 20220101), pa.int32()),
            "customer_key": pc.bit_wise_and(ids, 4095),
            "product_key": pc.bit_wise_and(ids, 63),
            "customer_id": pc.bit_wise_and(ids, 4095),
            "product_id": pc.binary_join_element_wise("P", pc.cast(pc.bit_wise_and(ids, 63), pa.string()), ""),
            "transaction_date": pc.cast(pc.add(pc.cast(pc.bit_wise_and(ids, 511), pa.int32()), 19000), pa.int32()).cast(
                pa.date32()
            ),
            "territory": pa.array(["Europe", "Asia Pacific"] * (rows // 2) + ["Europe"] * (rows % 2)),
            "quantity": pc.cast(pc.add(pc.bit_wise_and(ids, 3), 1), pa.int32()),
            "amount": amount,
            "transaction_type": pa.array(["Sale"] * rows),
            "restocking_fee": amount,
            "net_amount": amount,
            "is_large_order": pc.equal(pc.bit_wise_and(ids, 127), 0),
            "source_batch_id": pa.array(["bench"] * rows),
        }
    )
    pq.write_table(table, folder / "part-0.parquet", row_group_size=200_000)
    total = str(pc.sum(amount).as_py())
    manifest = {
        "table": "fact_transactions",
        "run_id": folder.name,
        "path": str(folder),
        "rows": rows,
        "keys": ["transaction_id"],
        "measures": {"amount": total, "restocking_fee": total, "net_amount": total},
        "columns": table.column_names,
        "export": "changes",  # as config/domains/<domain>/warehouse.yaml exports the fact
    }
    (folder / "_manifest.json").write_text(json.dumps(manifest))
    return str(folder)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument(
        "--dsn", default=os.environ.get("PIPELINE_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    args = p.parse_args()

    import psycopg

    from lakehouse.warehouse import copy_rows, copy_sql, csv_batches, ddl, load_postgres
    from spark_apps.config import WarehouseConfig

    scratch = Path(tempfile.mkdtemp(prefix="bench-warehouse-"))
    first = write_export(scratch / "run1", args.rows, 0.0)
    changed = write_export(scratch / "run2", args.rows, 1.0)
    files = sorted(str(f) for f in Path(first).glob("*.parquet"))
    columns = json.loads((Path(first) / "_manifest.json").read_text())["columns"]

    db = f"bench_wh_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(args.dsn, autocommit=True)
    admin.execute(f"CREATE DATABASE {db}")
    dsn = args.dsn.rsplit("/", 1)[0] + f"/{db}"
    os.environ["AIRFLOW_CONN_WAREHOUSE_BENCH"] = dsn
    cfg = WarehouseConfig(target="postgres", schema="analytics", conn_id="warehouse_bench")
    try:

        def plain_copy() -> float:
            with psycopg.connect(dsn) as con, con.cursor() as cur:
                cur.execute("DROP SCHEMA IF EXISTS floor CASCADE")
                cur.execute("CREATE SCHEMA floor")
                cur.execute(ddl("fact_transactions", "floor"))
                con.commit()
                start = time.perf_counter()
                copy_rows(cur, copy_sql("floor.fact_transactions", columns), csv_batches(files, columns))
                con.commit()
                return time.perf_counter() - start

        def fresh_target() -> None:
            with psycopg.connect(dsn, autocommit=True) as con:
                con.execute("DROP SCHEMA IF EXISTS analytics CASCADE")

        def timed_load(path: str) -> float:
            start = time.perf_counter()
            result = load_postgres(cfg, path)
            assert result.rows_in_target == args.rows, result
            return time.perf_counter() - start

        from airflow.providers.postgres.hooks.postgres import PostgresHook

        PostgresHook(postgres_conn_id=cfg.conn_id).get_conn().close()  # warm-up: provider imports, first connect
        copies, inserts, updates = [], [], []
        for _ in range(args.repeat):
            copies.append(plain_copy())
            fresh_target()
            inserts.append(timed_load(first))
            updates.append(timed_load(changed))
            print(f"copy={copies[-1]:.2f}s insert_load={inserts[-1]:.2f}s update_load={updates[-1]:.2f}s", flush=True)
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        admin.close()
    copy_s, insert_s, update_s = min(copies), min(inserts), min(updates)
    print(
        f"rows={args.rows} copy_s={copy_s:.2f} insert_load_s={insert_s:.2f} update_load_s={update_s:.2f} "
        f"copy_rows_per_s={args.rows / copy_s:.0f} update_vs_copy={update_s / copy_s:.2f}"
    )
    print(f"load_rows_per_s={args.rows / insert_s:.0f} merge_vs_copy={insert_s / copy_s:.2f}")


if __name__ == "__main__":
    main()
