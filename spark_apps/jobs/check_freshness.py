"""Check every table's freshness SLA (config/freshness.yaml): hours since its last commit. Prints one
FRESHNESS_RESULT line per table; fails naming every stale or missing table, so the task alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from spark_apps.config import load_freshness_slas
from spark_apps.freshness import enforce, judge, last_updates
from spark_apps.runtime import job, job_parser, parse


def main(argv: Sequence[str] | None = None) -> None:
    parser = job_parser(__doc__ or "")
    parser.add_argument("--tables", nargs="*", default=None, help="a subset of config/freshness.yaml")
    args = parse(parser, argv)
    slas = load_freshness_slas().tables  # a bad config fails before Spark starts
    wanted = {t: h for t, h in slas.items() if not args.tables or t in args.tables}
    with job("check_freshness", args) as (ctx, _):
        results = judge(last_updates(ctx.io, list(wanted)), wanted, dt.datetime.now(dt.UTC))
        for result in results:
            print(result.line(), flush=True)
        enforce(results)


if __name__ == "__main__":
    main()
