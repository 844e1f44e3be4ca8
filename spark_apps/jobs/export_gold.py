"""Processing → exports: each warehouse table as Parquet plus a reconciliation manifest."""

from __future__ import annotations

from collections.abc import Sequence

from spark_apps.config import load_warehouse_tables
from spark_apps.export import export_table
from spark_apps.runtime import job, job_parser, parse


def main(argv: Sequence[str] | None = None) -> None:
    parser = job_parser(__doc__ or "")
    parser.add_argument("--tables", default="", help="comma-separated subset of config/domains/<domain>/warehouse.yaml")
    args = parse(parser, argv)
    tables = load_warehouse_tables().tables
    wanted = [t for t in args.tables.split(",") if t] or list(tables)
    with job("export_gold", args) as (ctx, run):
        for name in wanted:
            m = export_table(ctx.io, ctx.env, name, tables[name], ctx.run_id)
            run.add(rows_out=m.rows)
            what = (
                f"skipped={m.skipped!r}"
                if m.skipped
                else f"export={m.export} version={m.version} base={m.base_version}"
            )
            print(f"EXPORT_RESULT table={name} rows={m.rows} {what} path={m.path}", flush=True)


if __name__ == "__main__":
    main()
