"""A short, representative job whose only product is the JVM's class-data archive (``spark_apps.jvm_deps``).

It touches what every pipeline job loads: the session with its catalogs, CSV typing, SQL with joins,
windows and aggregates, table creation, appends and a MERGE, and a Parquet write. Run by
``python -m spark_apps.jvm_deps`` under ``-XX:ArchiveClassesAtExit``; its tables are thrown away.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.window import Window


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--format", choices=["iceberg", "delta"], required=True)
    parser.add_argument("--dir", required=True, help="a scratch folder")
    args = parser.parse_args(argv)
    spark = SparkSession.builder.appName("warm_up").getOrCreate()
    csv = Path(args.dir) / "landing.csv"
    lines = "".join(f"{i},n{i % 7},{i}.50,2026-01-{i % 28 + 1:02d}\n" for i in range(200))
    csv.write_text("id,name,amount,day\n" + lines)
    typed = (
        spark.read.option("header", True)
        .csv(str(csv))
        .select(
            F.col("id").cast("bigint"), "name", F.col("amount").cast("decimal(18,2)"), F.to_date("day").alias("day")
        )
    )
    rows = typed.withColumn("rank", F.row_number().over(Window.partitionBy("name").orderBy(F.desc("amount"))))
    table = f"{args.catalog}.warm_up.t" if args.format == "iceberg" else "warm_up_t"
    if args.format == "iceberg":
        spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {args.catalog}.warm_up")
    rows.writeTo(table).using(args.format).partitionedBy(F.col("day")).createOrReplace()
    rows.where("id < 50").writeTo(table).append()
    rows.where("id < 100").withColumn("name", F.lit("x")).createOrReplaceTempView("changes")
    spark.sql(f"MERGE INTO {table} t USING changes c ON t.id = c.id WHEN MATCHED THEN UPDATE SET * "
              "WHEN NOT MATCHED THEN INSERT *")  # fmt: skip
    summary = spark.table(table).groupBy("name").agg(F.sum("amount").alias("total")).join(rows, "name", "left")
    summary.write.mode("overwrite").parquet(str(Path(args.dir) / "summary"))
    spark.stop()


if __name__ == "__main__":
    main()
