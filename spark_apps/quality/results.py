"""One result schema for both engines: what each check measured, judged against its threshold.

Engines only *measure* (row count, per-check pass rate, ages, null rates); judging, anomaly detection
and the gate decision live here, so ``deequ`` and ``native`` cannot disagree on what a number means.
Status: ``success`` (every row passed), ``warning`` (some failed but the pass rate is at or above the
threshold, or the check is warning-level), ``failure`` (an error-level check below its threshold). A
gate fails when any result is a failure.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from spark_apps.config import AnomalyRule, FreshnessCheck, RowCountCheck, TableSuite

RESULT_DDL = (
    "run_id string, layer string, table_name string, batch_id string, check_name string, kind string,"
    " level string, constraint_text string, engine string, metric_name string, metric_value double,"
    " pass_rate double, threshold double, rows_checked long, rows_failed long, status string,"
    " message string, checked_at timestamp"
)
RESULT_KEYS = ["run_id", "table_name", "batch_id", "check_name"]


class QualityGateError(RuntimeError):
    """A layer's checks breached their thresholds; raised only after the results were written."""


@dataclass(frozen=True)
class Measurements:
    """What an engine measured on one frame: the row count, each check's value (pass rate for
    row-level checks, the newest row's age in days for freshness) and null rates for anomaly rules.

    ``checked`` holds the rows a check covers where that is not every row (uniqueness: the rows with a
    key). ``errors`` holds the checks with no metric and Deequ's reason (a SQL predicate null on every
    row, keys all null, a pattern on a non-string column, ages all null): such a check fails."""

    rows: int
    values: dict[str, float | None] = field(default_factory=dict)
    null_rates: dict[str, float | None] = field(default_factory=dict)
    checked: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunContext:
    run_id: str
    layer: str
    table: str
    engine: str
    checked_at: dt.datetime
    batch_id: str | None = None


@dataclass(frozen=True)
class CheckResult:
    run_id: str
    layer: str
    table_name: str
    batch_id: str | None
    check_name: str
    kind: str
    level: str
    constraint_text: str
    engine: str
    metric_name: str
    metric_value: float | None
    pass_rate: float
    threshold: float
    rows_checked: int
    rows_failed: int
    status: str
    message: str
    checked_at: dt.datetime

    def as_row(self) -> tuple:
        return tuple(asdict(self).values())

    def as_json(self) -> dict:
        d = asdict(self)
        d["checked_at"] = self.checked_at.isoformat()
        return d


def _pct(rate: float) -> str:
    return f"{rate * 100:.2f}%"


def _status(passed_all: bool, pass_rate: float, threshold: float, level: str) -> str:
    if passed_all:
        return "success"
    if pass_rate >= threshold or level == "warning":
        return "warning"
    return "failure"


def judge(suite: TableSuite, m: Measurements, layer_threshold: float, ctx: RunContext) -> list[CheckResult]:
    """Turn measurements into one result per check of the suite."""
    results = []
    for check in suite.checks:
        threshold = suite.threshold(check, layer_threshold)
        base: dict[str, Any] = dict(
            run_id=ctx.run_id,
            layer=ctx.layer,
            table_name=ctx.table,
            batch_id=ctx.batch_id,
            check_name=check.name,
            kind=check.kind,
            level=check.level,
            constraint_text=check.expected(),
            engine=ctx.engine,
            threshold=threshold,
            rows_checked=m.rows,
            checked_at=ctx.checked_at,
        )
        if isinstance(check, RowCountCheck):
            ok = (check.min is None or m.rows >= check.min) and (check.max is None or m.rows <= check.max)
            message = f"{m.rows} rows" + ("" if ok else f": outside [{check.min}, {check.max}]")
            results.append(
                CheckResult(
                    **base,
                    metric_name="row_count",
                    metric_value=float(m.rows),
                    pass_rate=1.0 if ok else 0.0,
                    rows_failed=0,
                    status=_status(ok, 0.0, 1.0, check.level),
                    message=message,
                )
            )
        elif isinstance(check, FreshnessCheck):
            age = m.values.get(check.name)
            ok = age is not None and age <= check.max_age_days
            message = (
                m.errors.get(check.name, "no values to judge freshness by")
                if age is None
                else f"newest {check.column} is {age:.2f} days old (limit {check.max_age_days:g})"
            )
            results.append(
                CheckResult(
                    **base,
                    metric_name="age_days",
                    metric_value=age,
                    pass_rate=1.0 if ok else 0.0,
                    rows_failed=0,
                    status=_status(ok, 0.0, 1.0, check.level),
                    message=message,
                )
            )
        elif m.rows and check.name in m.errors:
            # no metric (Deequ's constraint Failure): nothing covered passed, so every covered row failed
            checked = m.checked.get(check.name, m.rows)
            base["rows_checked"] = checked
            results.append(
                CheckResult(
                    **base,
                    metric_name="pass_rate",
                    metric_value=None,
                    pass_rate=0.0,
                    rows_failed=checked,
                    status=_status(False, 0.0, threshold, check.level),
                    message=m.errors[check.name],
                )
            )
        else:
            # an empty frame is judged by row_count checks; a ratio over no rows passes vacuously
            checked = m.checked.get(check.name, m.rows)
            base["rows_checked"] = checked
            rate = m.values.get(check.name)
            rate = 1.0 if m.rows == 0 or rate is None else rate
            failed = round((1.0 - rate) * checked)
            status = _status(failed == 0, rate, threshold, check.level)
            message = (
                "no rows to check"
                if m.rows == 0
                else f"{failed} of {checked} rows failed; pass rate {_pct(rate)}"
                + (f" {'<' if rate < threshold else '>='} threshold {_pct(threshold)}" if failed else "")
            )
            results.append(
                CheckResult(
                    **base,
                    metric_name="pass_rate",
                    metric_value=rate,
                    pass_rate=rate,
                    rows_failed=failed,
                    status=status,
                    message=message,
                )
            )
    return results


def judge_quarantine_rate(ctx: RunContext, rows_read: int, rows_loaded: int, min_loaded: float) -> CheckResult:
    """The raw layer's batch-level check: the share of a batch's rows loaded (not quarantined by the
    contract or a quarantining rule) must reach ``min_loaded`` = 1 - the source's max_quarantine_rate.
    A quarantining rule's own pass rate does not fail a raw batch: its rows are in quarantine already,
    so they count here, together with the contract's."""
    quarantined = rows_read - rows_loaded
    loaded_share = rows_loaded / rows_read if rows_read else 1.0
    status = _status(quarantined == 0, loaded_share, min_loaded, "error")
    message = f"{quarantined} of {rows_read} rows quarantined ({_pct(1 - loaded_share)})"
    if status == "failure":
        message += f" > max_quarantine_rate {_pct(1 - min_loaded)}"
    return CheckResult(
        run_id=ctx.run_id,
        layer=ctx.layer,
        table_name=ctx.table,
        batch_id=ctx.batch_id,
        check_name="max_quarantine_rate",
        kind="quarantine_rate",
        level="error",
        constraint_text=f"at most {_pct(1 - min_loaded)} of the batch's rows quarantined",
        engine=ctx.engine,
        metric_name="quarantined_share",
        metric_value=1 - loaded_share,
        pass_rate=loaded_share,
        threshold=min_loaded,
        rows_checked=rows_read,
        rows_failed=quarantined,
        status=status,
        message=message,
        checked_at=ctx.checked_at,
    )


def anomaly_value(rule: AnomalyRule, m: Measurements) -> float | None:
    return float(m.rows) if rule.metric == "row_count" else m.null_rates.get(rule.column or "")


def relative_change(current: float, baseline: float) -> float:
    """(current - baseline) / baseline; from a zero baseline any rise is infinite, no change is 0."""
    if baseline == 0:
        return 0.0 if current == 0 else math.inf
    return (current - baseline) / baseline


def detect_anomalies(
    suite: TableSuite, m: Measurements, history: Mapping[str, Sequence[float]], ctx: RunContext
) -> list[CheckResult]:
    """Compare each anomaly rule's metric with the mean of its last ``rule.history`` values (newest
    first in ``history``); a relative change outside [-max_decrease, +max_increase] is an anomaly."""
    results = []
    for rule in suite.anomalies:
        value = anomaly_value(rule, m)
        past = list(history.get(rule.name, []))[: rule.history]
        ok, message = True, "no history yet"
        if value is not None and past:
            baseline = sum(past) / len(past)
            change = relative_change(value, baseline)
            too_low = rule.max_decrease is not None and change < -rule.max_decrease
            too_high = rule.max_increase is not None and change > rule.max_increase
            ok = not (too_low or too_high)
            low = "inf" if rule.max_decrease is None else rule.max_decrease
            high = "inf" if rule.max_increase is None else rule.max_increase
            bounds = f"[-{low}, +{high}]"
            message = (
                f"{rule.metric} {value:g} vs mean {baseline:g} of the last {len(past)} run(s): "
                f"change {change:+.1%} {'within' if ok else 'outside'} {bounds}"
            )
        results.append(
            CheckResult(
                run_id=ctx.run_id,
                layer=ctx.layer,
                table_name=ctx.table,
                batch_id=ctx.batch_id,
                check_name=rule.name,
                kind="anomaly",
                level=rule.level,
                constraint_text=f"relative change of {rule.metric}"
                + (f"({rule.column})" if rule.column else "")
                + f" vs mean of last {rule.history} runs",
                engine=ctx.engine,
                metric_name=rule.metric,
                metric_value=value,
                pass_rate=1.0 if ok else 0.0,
                threshold=1.0,
                rows_checked=m.rows,
                rows_failed=0,
                status=_status(ok, 0.0, 1.0, rule.level),
                message=message,
                checked_at=ctx.checked_at,
            )
        )
    return results


COMPARED_FIELDS = ("metric_name", "pass_rate", "rows_checked", "rows_failed", "status", "message", "level", "threshold")


def _same_number(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def disagreements(left: Sequence[CheckResult], right: Sequence[CheckResult]) -> list[str]:
    """Where two engines' results on the same frame differ (``check.field: left=… right=…``); empty when
    they agree on every check's metric value, pass rate, rows checked and failed, status and message."""
    a, b = {r.check_name: r for r in left}, {r.check_name: r for r in right}
    out = [f"{name}: only in one result set" for name in sorted(a.keys() ^ b.keys())]
    for name in sorted(a.keys() & b.keys()):
        x, y = a[name], b[name]
        out += [
            f"{name}.{f}: left={getattr(x, f)!r} right={getattr(y, f)!r}"
            for f in COMPARED_FIELDS
            if getattr(x, f) != getattr(y, f)
        ]
        if not _same_number(x.metric_value, y.metric_value):
            out.append(f"{name}.metric_value: left={x.metric_value!r} right={y.metric_value!r}")
    return out


def breaches(results: Sequence[CheckResult]) -> list[CheckResult]:
    return [r for r in results if r.status == "failure"]


def gate_message(layer: str, failed: Sequence[CheckResult]) -> str:
    """Names each breach: table, rule, pass rate (or measured value) and threshold."""
    lines = [f"quality gate '{layer}' failed: {len(failed)} check(s) breached"]
    for r in failed:
        if r.metric_name == "pass_rate":
            lines.append(
                f"  {r.table_name}: rule {r.check_name} pass rate {_pct(r.pass_rate)} < threshold "
                f"{_pct(r.threshold)} ({r.rows_failed} of {r.rows_checked} rows failed: {r.constraint_text})"
            )
        else:
            lines.append(f"  {r.table_name}: rule {r.check_name} failed: {r.message} ({r.constraint_text})")
    return "\n".join(lines)
