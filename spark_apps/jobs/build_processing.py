"""Raw → processing: SCD2 customer, product and date dimensions, the transaction fact and the marts,
maintained incrementally by MERGE (``--mode full_refresh`` rebuilds everything, with identical results)."""

from __future__ import annotations

from collections.abc import Sequence

from spark_apps.domains.retail.build import ModelBuild
from spark_apps.domains.retail.rules import load_retail_rules
from spark_apps.runtime import job, job_parser, parse


def main(argv: Sequence[str] | None = None) -> None:
    parser = job_parser(__doc__ or "")
    parser.add_argument("--mode", choices=["incremental", "full_refresh"], default="incremental")
    args = parse(parser, argv)
    rules = load_retail_rules()
    with job("build_processing", args, args.mode) as (ctx, _):
        report = ModelBuild(ctx.io, ctx.env, rules, ctx.run_id, full_refresh=args.mode == "full_refresh").run()
        for line in report.lines:
            print(line, flush=True)


if __name__ == "__main__":
    main()
