"""The HTML quality report as Chromium renders it: the pass-rate chart has one bar per table in the
status colour, the trend charts are drawn, and the page needs nothing from the network."""

from __future__ import annotations

import datetime as dt

from spark_apps.config import TableSuite
from spark_apps.quality import report
from spark_apps.quality.results import Measurements, RunContext, judge
from tests.browser import count_colour, dump_dom, screenshot

SUITE = TableSuite.model_validate(
    {"table": "raw.t", "layer": "raw", "checks": [{"name": "a", "kind": "completeness", "column": "x"}]}
)


def results(table: str, run_id: str, day: int, rows: int, rate: float) -> list[dict]:
    ctx = RunContext(run_id, "raw", table, "native", dt.datetime(2026, 1, day))
    return [r.as_json() for r in judge(SUITE, Measurements(rows, {"a": rate}), 0.9, ctx)]


def test_report_renders_its_charts_in_chromium(tmp_path):
    # Given a run where one table passes fully and one breaches, with two earlier runs of history
    history = results("raw.orders", "r1", 1, 80, 1.0) + results("raw.orders", "r2", 2, 95, 0.99)
    current = results("raw.orders", "r3", 3, 100, 1.0) + results("raw.customers", "r3", 3, 50, 0.5)
    page = tmp_path / "report.html"
    page.write_text(report.render_html("Data quality: raw", current, history))

    # When Chromium loads it
    dom = dump_dom(page.as_uri())
    pixels = screenshot(page.as_uri(), tmp_path / "report.png")

    # Then the parsed page holds both charts, one bar per table, and trend lines of three runs
    assert dom.count('class="bar"') == 2
    assert 'id="trend-rows-raw-orders"' in dom and dom.count('class="point"') >= 2 * 3
    # and the bars are drawn: the passing table in green, the breaching one in red
    assert count_colour(pixels, report.STATUS_COLOURS["success"]) > 2000
    assert count_colour(pixels, report.STATUS_COLOURS["failure"]) > 1000
