"""Print row counts for every table in the lake, zone by zone (used at the end of `make demo`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args

from spark_apps.config import Zone
from spark_apps.runtime import job_parser, parse, start_job


def main(argv: Sequence[str] | None = None) -> None:
    parser = job_parser(__doc__ or "")
    parser.add_argument("--master", default="local[2]")
    args = parse(parser, argv)
    ctx = start_job("lake_report", args, master=args.master)
    print(f"Lake: {ctx.env.lake.root}")
    for zone in get_args(Zone):
        for table in ctx.io.tables_in(zone):
            print(f"  {zone:<11} {table.rsplit('.', 1)[1]:<22} rows={ctx.spark.table(table).count()}")
    ctx.spark.stop()


if __name__ == "__main__":
    main()
