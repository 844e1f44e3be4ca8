"""One multi-GB landing file through the raw ingest, with the driver at Spark's default memory (1g).

    .venv/bin/python bench/large_file.py --gb 3

Writes one transactions CSV of --gb gigabytes (unique ids, one row in --bad-every with quantity
`2.9`, which its `int` column cannot hold exactly), then, on one SparkSession with the dev
environment's settings (`make demo`'s) but `spark.driver.memory=1g`, Spark's default, on local[2]:
- floor:    spark.read.csv(header) → an Iceberg table (all strings, no checks): the I/O floor;
- pipeline: file validation (sha256, UTF-8, header) + ingest_plan, as landing_to_raw runs it.
The file is read in splits (`spark.sql.files.maxPartitionBytes`, 128 MB), never as one string, and
each row's line number comes from per-split counts. The run checks what the issue asks: rows read =
rows loaded + rows quarantined, and the quarantined rows are exactly the bad rows, at their exact
line numbers. The last line is `name=value` pairs; `ingest_vs_io_floor` is the ratio to watch.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench_env import scratch_lake

HEADER = "transaction_id,customer_id,product_id,quantity,amount,transaction_date,territory\n"
TERRITORIES = ("Europe", "North America", "Asia Pacific", "Latin America")


def write_file(path: Path, target_bytes: int, bad_every: int) -> tuple[int, list[int]]:
    """Rows until the file reaches ``target_bytes``: (data rows, line numbers of the bad rows)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows, bad_lines, size = 0, [], len(HEADER)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        while size < target_bytes:
            chunk = []
            for n in range(rows, rows + 100_000):
                quantity = "2.9" if n % bad_every == bad_every - 1 else str(1 + n % 9)
                if quantity == "2.9":
                    bad_lines.append(n + 2)  # line 1 is the header
                chunk.append(
                    f"T{n:012d},{1 + n % 2000},P{1 + n % 40:03d},{quantity},{1 + n % 99_999 / 100:.2f},"
                    f"2025-12-{1 + n % 28:02d},{TERRITORIES[n % 4]}\n"
                )
            text = "".join(chunk)
            out.write(text)
            rows, size = rows + len(chunk), size + len(text)
    return rows, bad_lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gb", type=float, default=3.0)
    p.add_argument("--bad-every", type=int, default=1_000_000)
    args = p.parse_args()

    scratch = scratch_lake("bench-large-file-")
    from spark_apps.config import load_contract_by_name, load_env
    from spark_apps.landing import LocalStore, plan_batch
    from spark_apps.raw_batch import ingest_plan
    from spark_apps.session import build_session
    from spark_apps.table_io import TableIO

    date = "2026-01-01"
    path = scratch / "lake" / "landing" / "transactions" / date / "big_001.csv"
    rows, bad_lines = write_file(path, int(args.gb * 1024**3), args.bad_every)
    file_bytes = path.stat().st_size

    dev = load_env("dev")  # a laptop's settings (make demo's), with the driver at Spark's default memory
    env = dev.model_copy(
        update={"spark": dev.spark.model_copy(update={"conf": {**dev.spark.conf, "spark.driver.memory": "1g"}})}
    )
    spark = build_session(env, "bench-large-file", master="local[2]")
    driver_memory = spark.sparkContext.getConf().get("spark.driver.memory", "1g (default)")
    io = TableIO.for_env(spark, env)
    contract = load_contract_by_name("transactions")
    spark.sql("CREATE NAMESPACE IF NOT EXISTS lake.bench")

    start = time.perf_counter()
    spark.read.option("header", True).csv(str(path)).writeTo("lake.bench.floor").createOrReplace()
    floor_s = time.perf_counter() - start
    splits = spark.read.text(str(path)).rdd.getNumPartitions()

    start = time.perf_counter()
    plan = plan_batch(LocalStore(), env.lake.root, contract, [date])
    result = ingest_plan(io, env, contract, plan, "bench")
    ingest_s = time.perf_counter() - start

    quarantine = spark.table(env.table("quarantine", "transactions"))
    quarantined_lines = sorted(r._line for r in quarantine.select("_line").collect())
    lost = rows - result.rows_loaded - result.rows_quarantined
    exact = quarantined_lines == bad_lines
    print(f"conservation: {result.summary()}")
    print(f"driver memory: {driver_memory}; splits read: {splits}; bad lines {bad_lines[:3]}… = quarantined: {exact}")
    print(
        f"file_gb={file_bytes / 1024**3:.2f} rows={rows} rows_read={result.rows_read} "
        f"rows_loaded={result.rows_loaded} rows_quarantined={result.rows_quarantined} lost_rows={lost} "
        f"line_numbers_exact={int(exact)} splits={splits} floor_s={floor_s:.1f} ingest_s={ingest_s:.1f} "
        f"ingest_vs_io_floor={ingest_s / floor_s:.2f}"
    )
    spark.stop()


if __name__ == "__main__":
    main()
