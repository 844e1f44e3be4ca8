"""Landing → raw for one source and one batch date."""

from __future__ import annotations

from collections.abc import Sequence

from spark_apps.config import load_contract_by_name
from spark_apps.raw_batch import ingest_batch
from spark_apps.runtime import job_parser, parse, start_job


def main(argv: Sequence[str] | None = None) -> None:
    parser = job_parser(__doc__ or "")
    parser.add_argument("--source", required=True, help="contract name in config/sources")
    parser.add_argument("--batch-date", required=True, help="YYYY-MM-DD: landing/<source>/<date>/")
    args = parse(parser, argv)
    contract = load_contract_by_name(args.source)  # fail on a bad contract before starting Spark
    ctx = start_job(f"ingest_raw.{args.source}", args)
    result = ingest_batch(ctx.io, ctx.env, contract, args.batch_date, ctx.run_id)
    print(f"INGEST_RESULT {result.summary()}", flush=True)
    ctx.spark.stop()


if __name__ == "__main__":
    main()
