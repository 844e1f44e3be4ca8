"""The quality gate after the processing build: every suite of the given layers (config/domains/<domain>/quality),
of one domain when ``--domain`` says so, on its whole table. Results go to ops.quality_results and the
run's JSON + HTML reports; failing rows are listed in quarantine.<namespace>_<table>; a breached
threshold fails the task after all is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from spark_apps.config import domain_names, load_suites, suite_domains
from spark_apps.quality.gate import QualityGate
from spark_apps.runtime import job, job_parser, parse


def main(argv: Sequence[str] | None = None) -> None:
    parser = job_parser(__doc__ or "")
    parser.add_argument("--layers", nargs="+", choices=["raw", "processing", "marts"], default=["processing", "marts"])
    parser.add_argument("--domain", help="only this domain's suites (default: every domain's)")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, help="date freshness is judged at (default: today)")
    args = parse(parser, argv)
    # config errors before Spark
    owners = suite_domains()
    if args.domain is not None and args.domain not in domain_names():
        parser.error(f"--domain: no domain '{args.domain}' (have {domain_names()})")
    suites = [
        s
        for layer in args.layers
        for name, s in load_suites(layer).items()
        if args.domain is None or owners[name] == args.domain
    ]
    report_name = "_".join(([args.domain] if args.domain else []) + args.layers)
    with job("quality_gate", args) as (ctx, run):
        as_of = dt.datetime.combine(args.as_of or dt.date.today(), dt.time())
        gate = QualityGate(ctx.io, ctx.env, ctx.run_id, as_of)
        results = gate.check_tables(suites)
        gate.record(results, report_name)
        run.add(min_pass_rate=min((r.pass_rate for r in results), default=None))
        gate.enforce("+".join(args.layers), results)


if __name__ == "__main__":
    main()
