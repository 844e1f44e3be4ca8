"""Build one domain's declared models (config/domains/<domain>/domain.yaml), in declaration order;
``--mode full_refresh`` reads every input whole instead of past its high-water mark (same tables)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from spark_apps.domain_build import DomainBuild
from spark_apps.model_spec import load_domain
from spark_apps.runtime import job, job_parser, parse


def main(argv: Sequence[str] | None = None) -> None:
    parser = job_parser(__doc__ or "")
    parser.add_argument("--domain", required=True)
    parser.add_argument("--mode", choices=["incremental", "full_refresh"], default="incremental")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, required=True, help="the run's date (:as_of in SQL)")
    args = parse(parser, argv)
    domain = load_domain(args.domain)  # config errors before Spark
    with job("build_domain", args, args.mode) as (ctx, _):
        build = DomainBuild(ctx.io, ctx.env, domain, ctx.run_id, args.as_of, full_refresh=args.mode == "full_refresh")
        for line in build.run().lines:
            print(line, flush=True)


if __name__ == "__main__":
    main()
