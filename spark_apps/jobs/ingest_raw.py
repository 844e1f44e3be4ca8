"""Landing → raw for one source: load a validated batch plan (or plan a local batch), prove conservation."""

from __future__ import annotations

from collections.abc import Sequence

from spark_apps import lake_fs
from spark_apps.config import load_contract_by_name
from spark_apps.landing import BatchPlan, LocalStore, landing_batch_dates, plan_batch
from spark_apps.raw_batch import ingest_plan
from spark_apps.runtime import job, job_parser, parse


def main(argv: Sequence[str] | None = None) -> None:
    parser = job_parser(__doc__ or "")
    parser.add_argument("--source", required=True, help="contract name in config/domains/<domain>/sources")
    parser.add_argument("--plan", help="batch plan written by the validate_files task (JSON, any lake URI)")
    parser.add_argument("--batch-date", help="without --plan: YYYY-MM-DD folder to plan and load (local lake)")
    parser.add_argument("--mode", choices=["incremental", "full_refresh"], default="incremental")
    args = parse(parser, argv)
    if not args.plan and not (args.batch_date or args.mode == "full_refresh"):
        parser.error("give --plan, or --batch-date / --mode full_refresh to plan a local lake here")
    contract = load_contract_by_name(args.source)  # fail on a bad contract before starting Spark
    with job("ingest_raw", args, args.mode, session_name=f"ingest_raw.{args.source}") as (ctx, run):
        if args.plan:
            plan = BatchPlan.from_json(lake_fs.read_text(ctx.spark, args.plan))
        else:
            store, root = LocalStore(), ctx.env.lake.root
            full = args.mode == "full_refresh"
            dates = landing_batch_dates(store, root, contract.name) if full else [args.batch_date]
            plan = plan_batch(store, root, contract, dates, args.mode)
        result = ingest_plan(ctx.io, ctx.env, contract, plan, ctx.run_id)
        run.add(rows_in=result.rows_read, rows_out=result.rows_loaded, rows_quarantined=result.rows_quarantined)
        print(f"INGEST_RESULT {result.summary()}", flush=True)


if __name__ == "__main__":
    main()
