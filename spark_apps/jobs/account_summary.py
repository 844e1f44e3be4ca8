"""Rolling account summary: build (initial), extend (forward) or correct (backfill) the 36-month arrays."""

from __future__ import annotations

from collections.abc import Sequence

from spark_apps.account_summary import AccountSummary, SummaryTables
from spark_apps.config import load_summary_config
from spark_apps.months import month_number
from spark_apps.runtime import job, job_parser, parse

MODES = ("initial", "forward", "backfill")


def _month(text: str) -> str | None:
    """An optional YYYY-MM (Airflow renders an unset param as an empty string)."""
    if not text or text == "None":
        return None
    month_number(text)
    return text


def main(argv: Sequence[str] | None = None) -> None:
    parser = job_parser(__doc__ or "")
    parser.add_argument("--mode", choices=MODES, default="forward")
    parser.add_argument("--start-month", type=_month, default=None, help="first report month (YYYY-MM) to read")
    parser.add_argument("--end-month", type=_month, default=None, help="last report month (YYYY-MM) to read")
    args = parse(parser, argv)
    if args.start_month and args.end_month and args.start_month > args.end_month:
        parser.error(f"--start-month {args.start_month} is after --end-month {args.end_month}")
    cfg = load_summary_config()  # a bad config fails before Spark starts
    with job("account_summary", args, args.mode, session_name=f"account_summary.{args.mode}") as (ctx, run):
        tables = SummaryTables(
            *(ctx.env.table(*name.split(".")) for name in (cfg.source_table, cfg.summary_table, cfg.latest_table))
        )
        runner = AccountSummary(ctx.io, tables, cfg)
        result = getattr(runner, args.mode)(args.start_month, args.end_month)
        run.add(rows_in=result.records + result.rejected, rows_out=result.rows_written)
        print(result.line(), flush=True)


if __name__ == "__main__":
    main()
