"""Processing → exports: each warehouse table as Parquet plus a reconciliation manifest."""

from __future__ import annotations

from collections.abc import Sequence

from spark_apps.config import load_warehouse_tables
from spark_apps.export import export_table
from spark_apps.runtime import job_parser, parse, start_job


def main(argv: Sequence[str] | None = None) -> None:
    parser = job_parser(__doc__ or "")
    parser.add_argument("--tables", default="", help="comma-separated subset of config/warehouse/tables.yaml")
    args = parse(parser, argv)
    tables = load_warehouse_tables().tables
    wanted = [t for t in args.tables.split(",") if t] or list(tables)
    ctx = start_job("export_gold", args)
    for name in wanted:
        spec = tables[name]
        namespace, table = spec.source.split(".")
        manifest = export_table(ctx.spark.table(ctx.env.table(namespace, table)), ctx.env, name, spec, ctx.run_id)
        print(f"EXPORT_RESULT table={name} rows={manifest.rows} path={manifest.path}", flush=True)
    ctx.spark.stop()


if __name__ == "__main__":
    main()
