"""Maintain every table of the given zones with their retention policy (config `maintenance.zones`):
delete batches past retention (raw, quarantine), compact data files and manifests, expire old
versions, remove orphan files. Prints one MAINTENANCE_RESULT line per table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import get_args

from spark_apps.config import Zone
from spark_apps.maintenance import maintain_zone
from spark_apps.runtime import job, job_parser, parse


def main(argv: Sequence[str] | None = None) -> None:
    parser = job_parser(__doc__ or "")
    parser.add_argument("--zones", nargs="+", choices=get_args(Zone), default=list(get_args(Zone)))
    parser.add_argument(
        "--as-of", type=dt.date.fromisoformat, help="the day batch retention counts back from (default: today)"
    )
    args = parse(parser, argv)
    with job("maintain_tables", args) as (ctx, _):
        for zone in args.zones:
            policy = ctx.env.maintenance.policy(zone)
            for result in maintain_zone(ctx.io, zone, policy, args.as_of or dt.date.today()):
                print(result.line(), flush=True)


if __name__ == "__main__":
    main()
