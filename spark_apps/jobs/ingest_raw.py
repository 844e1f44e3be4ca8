"""Landing → raw for a batch: load every source's validated plan in one Spark application.

One application per batch, not one per source: JVM and session start-up was most of a small
source's load. Each source is still loaded, committed and proved (rows read = loaded + quarantined)
on its own, in turn; one source failing (a breached raw gate, after its commit; a conservation error) never stops
the others, and the job fails at the end naming every source that failed. A retry re-runs every
plan; each load replaces its own batch, so it changes nothing that succeeded.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from functools import partial

from spark_apps import lake_fs
from spark_apps.config import SourceContract, load_contract_by_name
from spark_apps.landing import BatchPlan, LocalStore, landing_batch_dates, plan_batch
from spark_apps.raw_batch import RawGateError, ingest_plan
from spark_apps.run_log import TaskRun, short_error
from spark_apps.runtime import JobContext, job, job_parser, parse
from spark_apps.table_io import PendingMerges

log = logging.getLogger(__name__)


class SourcesFailed(RuntimeError):
    """More than one source of the batch failed; each one's own error is in the message."""


def plans_argument(text: str) -> dict[str, str | None]:
    """``--plans``: a JSON object of source → plan URI (null: that source's validation was skipped)."""
    plans = json.loads(text)
    if not isinstance(plans, dict) or not all(isinstance(v, str | None) for v in plans.values()):
        raise ValueError(f"--plans must be a JSON object of source -> plan URI or null, got {text[:200]!r}")
    return plans


def _plan(ctx: JobContext, contract: SourceContract, uri: str | None, batch_date: str | None, mode: str) -> BatchPlan:
    if uri:
        return BatchPlan.from_json(lake_fs.read_text(ctx.spark, uri))
    store, root = LocalStore(), ctx.env.lake.root
    dates = landing_batch_dates(store, root, contract.name) if mode == "full_refresh" else [batch_date or ""]
    return plan_batch(store, root, contract, dates, mode)


def ingest_sources(
    ctx: JobContext, run: TaskRun, batches: Sequence[tuple[SourceContract, Callable[[], BatchPlan]]]
) -> None:
    """Load each source's plan in turn (read when its turn comes, so an unreadable plan fails only that
    source), recording its counts or its error as one part of the task's run. Every source's ops rows
    (manifest, quality results, watermark) are committed together when the loop ends, also after a
    failure: one commit per ops table, not one per source and table."""
    errors: dict[str, BaseException] = {}
    with PendingMerges(ctx.io) as pending:
        for contract, plan in batches:
            outcome: dict[str, str | None] = {"status": "success"}
            try:
                result = ingest_plan(ctx.io, ctx.env, contract, plan(), ctx.run_id, pending=pending)
            except RawGateError as exc:  # committed, then failed: its counts are real
                log.error("source %s failed its raw gate after committing:\n%s", contract.name, exc)
                result, outcome = exc.result, {"status": "failed", "error": short_error(exc)}
                errors[contract.name] = exc
            except Exception as exc:
                log.exception("source %s failed", contract.name)
                run.add_part(contract.name, status="failed", error=short_error(exc))
                errors[contract.name] = exc
                continue
            counts = {"rows_in": result.rows_read, "rows_out": result.rows_loaded}
            run.add_part(contract.name, rows_quarantined=result.rows_quarantined, **outcome, **counts)
            run.add(rows_in=result.rows_read, rows_out=result.rows_loaded, rows_quarantined=result.rows_quarantined)
            print(f"INGEST_RESULT {result.summary()}", flush=True)
    if len(errors) == 1:
        raise next(iter(errors.values()))  # its own message, e.g. the quality gate's, for alerts
    if errors:
        detail = "; ".join(f"{source}: {short_error(exc)}" for source, exc in errors.items())
        raise SourcesFailed(f"{len(errors)} of {len(batches)} sources failed: {detail}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = job_parser(__doc__ or "")
    parser.add_argument("--plans", type=plans_argument, help="JSON source -> plan URI, from the validate_files tasks")
    parser.add_argument("--source", action="append", default=[], help="without --plans: a source to plan here")
    parser.add_argument("--batch-date", help="without --plans: YYYY-MM-DD folder to plan and load (local lake)")
    parser.add_argument("--mode", choices=["incremental", "full_refresh"], default="incremental")
    args = parse(parser, argv)
    if args.plans is None and not (args.source and (args.batch_date or args.mode == "full_refresh")):
        parser.error("give --plans, or --source (repeatable) with --batch-date / --mode full_refresh")
    plans = {s: u for s, u in args.plans.items() if u} if args.plans is not None else dict.fromkeys(args.source)
    # fail on an unknown source or a bad contract before starting Spark
    contracts = {source: load_contract_by_name(source) for source in plans}
    if not plans:
        print("INGEST_RESULT no source delivered files for this batch", flush=True)
        return
    with job("ingest_raw", args, args.mode) as (ctx, run):
        batches = [
            (c, partial(_plan, ctx, c, plans[name], args.batch_date, args.mode)) for name, c in contracts.items()
        ]
        ingest_sources(ctx, run, batches)


if __name__ == "__main__":
    main()
