"""Print row counts for every table in the lake, zone by zone (used at the end of `make demo`)."""

from __future__ import annotations

from collections.abc import Sequence

from spark_apps.runtime import job_parser, parse, start_job

ZONES = ["raw", "quarantine", "curated", "marts", "ops"]


def main(argv: Sequence[str] | None = None) -> None:
    parser = job_parser(__doc__ or "")
    parser.add_argument("--master", default="local[2]")
    args = parse(parser, argv)
    ctx = start_job("lake_report", args, master=args.master)
    catalog = ctx.env.catalog.name
    print(f"Lake: {ctx.env.lake.root}")
    for zone in ZONES:
        if not ctx.spark.sql(f"SHOW NAMESPACES IN {catalog}").where(f"namespace = '{zone}'").count():
            continue
        for row in ctx.spark.sql(f"SHOW TABLES IN {catalog}.{zone}").collect():
            table = f"{catalog}.{zone}.{row['tableName']}"
            print(f"  {zone:<11} {row['tableName']:<22} rows={ctx.spark.table(table).count()}")
    ctx.spark.stop()


if __name__ == "__main__":
    main()
