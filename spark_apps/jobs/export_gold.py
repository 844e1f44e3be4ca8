"""Processing → exports: each warehouse table as Parquet plus a reconciliation manifest."""

from __future__ import annotations

from collections.abc import Sequence

from spark_apps.config import load_warehouse_tables
from spark_apps.export import export_table
from spark_apps.runtime import job_parser, parse, recorded, start_job


def main(argv: Sequence[str] | None = None) -> None:
    parser = job_parser(__doc__ or "")
    parser.add_argument("--tables", default="", help="comma-separated subset of config/warehouse/tables.yaml")
    args = parse(parser, argv)
    tables = load_warehouse_tables().tables
    wanted = [t for t in args.tables.split(",") if t] or list(tables)
    ctx = start_job("export_gold", args)
    try:
        with recorded(ctx, "export_gold") as run:
            for name in wanted:
                m = export_table(ctx.io, ctx.env, name, tables[name], ctx.run_id)
                run.add(rows_out=m.rows)
                what = (
                    f"skipped={m.skipped!r}"
                    if m.skipped
                    else f"export={m.export} version={m.version} base={m.base_version}"
                )
                print(f"EXPORT_RESULT table={name} rows={m.rows} {what} path={m.path}", flush=True)
    finally:
        ctx.spark.stop()


if __name__ == "__main__":
    main()
