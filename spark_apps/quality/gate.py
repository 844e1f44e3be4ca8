"""A quality gate: measure a frame against its suite, judge, detect anomalies, record, and enforce.

Used at two points (see docs/quality.md): inside the raw ingest, on each batch before it is committed
(failing rows join ``quarantine.<source>``), and after the processing build, on the curated tables and
marts (failing rows are listed in ``quarantine.<namespace>_<table>``). Results are always written —
``ops.quality_results`` plus a JSON and an HTML report under ``<lake>/reports/quality/<run_id>/`` —
before ``enforce`` fails the task on a breach.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from spark_apps import lake_fs
from spark_apps.config import EnvConfig, TableSuite
from spark_apps.quality import report
from spark_apps.quality.deequ_engine import DeequEngine, deequ_available
from spark_apps.quality.native import NativeEngine
from spark_apps.quality.results import (
    RESULT_DDL,
    RESULT_KEYS,
    CheckResult,
    QualityGateError,
    RunContext,
    breaches,
    detect_anomalies,
    gate_message,
    judge,
)
from spark_apps.quality.rules import columns_of, failed_rules, prepare, quarantining, with_duplicate_flags
from spark_apps.table_io import PendingMerges, TableIO

log = logging.getLogger(__name__)


def select_engine(io: TableIO, env: EnvConfig, layer_threshold: float):
    """``native``, ``deequ`` (fails clearly without the jar) or ``auto`` (deequ when it loads)."""
    wanted = env.quality.engine
    available = wanted != "native" and deequ_available(io.spark)
    if wanted == "deequ" and not available:
        raise RuntimeError(
            "quality.engine is 'deequ' but the Deequ classes do not load: add "
            "deequ to spark.jvm_packages (config/jvm_packages.yaml), or use 'auto'/'native'"
        )
    if available:
        return DeequEngine(io.spark, layer_threshold)
    if wanted == "auto":
        log.info("quality engine: native (Deequ classes not on the classpath)")
    return NativeEngine()


@dataclass
class Checked:
    """A frame with its checks' helper columns, and what the gate concluded about it."""

    suite: TableSuite
    prepared: DataFrame
    results: list[CheckResult]
    columns: list[str]  # the checked frame's own columns, in order
    errored: frozenset[str] = frozenset()  # checks with no metric: they pass no row they cover

    def flagged(self) -> DataFrame:
        """The prepared frame with duplicate flags and ``_failed_rules`` (names of the quarantining rules
        a row fails; empty when it passes)."""
        duplicates = {r.check_name: r.rows_failed for r in self.results if r.kind == "uniqueness"}
        return with_duplicate_flags(self.prepared, self.suite, duplicates).withColumn(
            "_failed_rules", failed_rules(self.suite, self.errored)
        )

    def fails_any_row(self) -> bool:
        """Whether ``split`` will quarantine a row, read from the results: each quarantining rule's
        ``rows_failed`` counts exactly the rows it splits off (errored rules included)."""
        names = {c.name for c in quarantining(self.suite)}
        return any(r.rows_failed for r in self.results if r.check_name in names)

    def split(self) -> tuple[DataFrame, DataFrame]:
        """(valid rows, invalid rows with ``_failed_rules``), in the checked frame's column order."""
        flagged = self.flagged()
        valid = flagged.where(F.size("_failed_rules") == 0).select(*self.columns)
        invalid = flagged.where(F.size("_failed_rules") > 0).select(*self.columns, "_failed_rules")
        return valid, invalid


class QualityGate:
    """``pending``: where ``record`` gathers its result rows, committed when the caller flushes it (landing,
    once per batch); without it each ``record`` commits its own."""

    def __init__(
        self, io: TableIO, env: EnvConfig, run_id: str, as_of: dt.datetime, pending: PendingMerges | None = None
    ) -> None:
        self.io, self.env, self.run_id, self.as_of = io, env, run_id, as_of
        self.pending = pending
        self.spark = io.spark
        self.results_table = env.table("ops", "quality_results")
        self._engines: dict[str, object] = {}

    def _engine(self, layer: str):
        if layer not in self._engines:
            self._engines[layer] = select_engine(self.io, self.env, self.env.quality.threshold(layer))
        return self._engines[layer]

    def check(self, suite: TableSuite, df: DataFrame, batch_id: str | None = None) -> Checked:
        """Measure ``df`` against ``suite`` and judge it (nothing is written yet)."""
        needed = columns_of(suite.checks) | {a.column for a in suite.anomalies if a.column}
        missing = sorted(needed - set(df.columns))
        if missing:
            raise ValueError(f"quality suite for {suite.table} names columns the table lacks: {missing}")
        layer_threshold = self.env.quality.threshold(suite.layer)
        engine = self._engine(suite.layer)
        prepared = prepare(df, suite, self.spark, self.env.catalog.name, self.as_of)
        measured = engine.measure(prepared, suite)
        ctx = RunContext(
            self.run_id, suite.layer, suite.table, engine.name, dt.datetime.now(dt.UTC).replace(tzinfo=None), batch_id
        )
        results = judge(suite, measured, layer_threshold, ctx)
        results += detect_anomalies(suite, measured, self._history(suite.table), ctx)
        return Checked(
            suite, prepared, results, df.columns, frozenset(measured.errors) if measured.rows else frozenset()
        )

    # ------------------------------------------------------------------ history and recording

    def _history_rows(self, tables: Sequence[str]) -> list[dict]:
        """Earlier runs' results of these tables (newest first), at most ``report_history_runs`` runs each."""
        if not self.io.exists(self.results_table):
            return []
        rows = (
            self.spark.table(self.results_table)
            .where(F.col("table_name").isin(*tables) & (F.col("run_id") != self.run_id))
            .select(
                "run_id",
                "table_name",
                "check_name",
                "kind",
                "metric_name",
                "metric_value",
                "pass_rate",
                "rows_checked",
                "status",
                "checked_at",
            )
            .orderBy(F.col("checked_at").desc())
            .limit(self.env.quality.report_history_runs * 200)
            .collect()
        )
        keep: dict[str, list[str]] = defaultdict(list)
        out = []
        for r in rows:
            runs = keep[r["table_name"]]
            if r["run_id"] not in runs:
                if len(runs) >= self.env.quality.report_history_runs:
                    continue
                runs.append(r["run_id"])
            out.append(r.asDict())
        return out

    def _history(self, table: str) -> dict[str, list[float]]:
        """Per check name, its earlier metric values, newest first (for anomaly detection)."""
        values: dict[str, list[float]] = defaultdict(list)
        for r in self._history_rows([table]):
            if r["kind"] == "anomaly" and r["metric_value"] is not None:
                values[r["check_name"]].append(r["metric_value"])
        return values

    def record(self, results: Sequence[CheckResult], report_name: str, note: str = "") -> dict[str, str]:
        """Write the results to ``ops.quality_results`` (a re-run of the same run replaces its rows) and
        the run's JSON and HTML reports (headed by ``note``); returns the report locations."""
        if not results:
            return {}
        df = self.spark.createDataFrame([r.as_row() for r in results], RESULT_DDL)
        if self.pending is not None:
            self.pending.add(df, self.results_table, RESULT_KEYS)
        else:
            with PendingMerges(self.io) as own:
                own.add(df, self.results_table, RESULT_KEYS)
        tables = sorted({r.table_name for r in results})
        history = self._history_rows(tables)
        current = [r.as_json() for r in results]
        title = f"Data quality: {report_name} — run {self.run_id}"
        paths = {
            "json": self.env.quality_report_path(self.run_id, f"{report_name}.json"),
            "html": self.env.quality_report_path(self.run_id, f"{report_name}.html"),
        }
        lake_fs.write_text(self.spark, paths["json"], report.render_json(title, current, history, note))
        lake_fs.write_text(self.spark, paths["html"], report.render_html(title, current, history, note))
        for r in results:
            print(
                f"QUALITY_RESULT table={r.table_name} check={r.check_name} status={r.status} "
                f"pass_rate={r.pass_rate:.4f} threshold={r.threshold:.2f} rows={r.rows_checked} "
                f"failed={r.rows_failed} engine={r.engine}",
                flush=True,
            )
        print(f"QUALITY_REPORT html={_link(paths['html'])} json={_link(paths['json'])}", flush=True)
        return paths

    def check_tables(self, suites: Sequence[TableSuite]) -> list[CheckResult]:
        """Check whole tables (the processing and marts layers). Rows failing a quarantining rule stay
        in their table and are listed in ``quarantine.<namespace>_<table>`` (replaced on every run, so it
        holds the current failures) with ``_failed_rules``; a table not built yet is skipped."""
        results: list[CheckResult] = []
        for suite in suites:
            table = self.env.table(suite.namespace, suite.table_name)
            if not self.io.exists(table):
                log.warning("quality: %s does not exist yet; its checks are skipped", table)
                continue
            checked = self.check(suite, self.spark.table(table))
            results += checked.results
            if quarantining(suite):
                self._list_failures(checked, self.env.table("quarantine", f"{suite.namespace}_{suite.table_name}"))
        return results

    def _list_failures(self, checked: Checked, target: str) -> None:
        """Replace the listing with the rows failing now. With no failing row, a new listing is only
        created, and one that is empty already is left as it is: no commit for nothing (in Delta each
        such overwrite cost about 2 s and left an empty data file behind)."""
        if checked.fails_any_row():
            self._write_listing(checked, target, replace=True)
        elif not self.io.exists(target):
            self._write_listing(checked, target, replace=False)  # created empty: nothing to replace
        elif not self.spark.table(target).isEmpty():
            self._write_listing(checked, target, replace=True)  # clears the last run's failures

    def _write_listing(self, checked: Checked, target: str, replace: bool) -> None:
        """Create the listing if absent, then, when ``replace``, swap its rows for the failing ones."""
        _, invalid = checked.split()
        listed = invalid.withColumn("_run_id", F.lit(self.run_id)).withColumn("_checked_at", F.current_timestamp())
        self.io.ensure_table(target, listed.schema)
        if replace:
            self.io.replace_where(listed, target, "true")

    @staticmethod
    def enforce(layer: str, results: Sequence[CheckResult]) -> None:
        failed = breaches(results)
        if failed:
            raise QualityGateError(gate_message(layer, failed))


def _link(path: str) -> str:
    return path if "://" in path else f"file://{path}"
