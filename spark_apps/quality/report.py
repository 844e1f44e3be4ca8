"""The run's quality report: JSON for machines, one self-contained HTML page (inline SVG, no scripts or
external assets) for people: pass rate per table against its threshold, the trend of row count and
lowest pass rate across runs, and every check's result. Pure Python, so it is unit-tested directly."""

from __future__ import annotations

import datetime as dt
import html
import json
from collections import defaultdict
from collections.abc import Sequence

STATUS_COLOURS = {"success": "#2e7d32", "warning": "#f9a825", "failure": "#c62828"}


def _plain(value):
    return value.isoformat() if isinstance(value, dt.datetime | dt.date) else value


def overall_status(results: Sequence[dict]) -> str:
    statuses = {r["status"] for r in results}
    return "failure" if "failure" in statuses else "warning" if "warning" in statuses else "success"


def trend(current: Sequence[dict], history: Sequence[dict]) -> dict[str, list[dict]]:
    """Per table, one point per run (oldest first): when, rows checked, lowest pass rate."""
    runs: dict[tuple[str, str], dict] = {}
    for r in [*history, *current]:
        key = (r["table_name"], r["run_id"])
        at = str(_plain(r["checked_at"]))
        p = runs.setdefault(key, {"run_id": r["run_id"], "at": at, "rows": 0, "min_pass_rate": 1.0})
        p["at"] = min(p["at"], at)
        p["rows"] = max(p["rows"], int(r["rows_checked"] or 0))
        if r["kind"] != "anomaly":
            p["min_pass_rate"] = min(p["min_pass_rate"], float(r["pass_rate"]))
    series: dict[str, list[dict]] = defaultdict(list)
    for (table, _), point in runs.items():
        series[table].append(point)
    return {t: sorted(points, key=lambda p: p["at"]) for t, points in sorted(series.items())}


def render_json(title: str, current: Sequence[dict], history: Sequence[dict], note: str = "") -> str:
    """The run's results as data; ``note`` says what the checks did not see (e.g. contract quarantine)."""
    return json.dumps(
        {
            "title": title,
            "note": note,
            "status": overall_status(current),
            "results": [{k: _plain(v) for k, v in r.items()} for r in current],
            "trend": trend(current, history),
        },
        indent=2,
        sort_keys=True,
    )


def pass_rate_chart(current: Sequence[dict]) -> str:
    """Horizontal bars: each table's lowest pass rate; a tick at its strictest threshold."""
    tables: dict[str, dict] = {}
    for r in current:
        if r["kind"] == "anomaly":
            continue
        t = tables.setdefault(r["table_name"], {"rate": 1.0, "threshold": 0.0, "status": "success"})
        t["rate"] = min(t["rate"], float(r["pass_rate"]))
        t["threshold"] = max(t["threshold"], float(r["threshold"]))
        if r["status"] == "failure" or (r["status"] == "warning" and t["status"] == "success"):
            t["status"] = r["status"]
    label_w, bar_w, row_h = 230, 420, 28
    height = row_h * len(tables) + 30
    parts = [
        f'<svg id="chart-pass-rate" class="chart" role="img" aria-label="pass rate per table" '
        f'width="{label_w + bar_w + 80}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (name, t) in enumerate(sorted(tables.items())):
        y = 10 + i * row_h
        w = max(1.0, bar_w * t["rate"])
        tick = label_w + bar_w * t["threshold"]
        parts.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end">{html.escape(name)}</text>')
        parts.append(
            f'<rect class="bar" data-table="{html.escape(name)}" data-pass-rate="{t["rate"]:.4f}" x="{label_w}" '
            f'y="{y}" width="{w:.1f}" height="20" fill="{STATUS_COLOURS[t["status"]]}"/>'
        )
        parts.append(
            f'<line class="threshold" x1="{tick:.1f}" x2="{tick:.1f}" y1="{y - 2}" y2="{y + 22}" stroke="#000"/>'
        )
        parts.append(f'<text x="{label_w + bar_w + 8}" y="{y + 16}">{t["rate"] * 100:.2f}%</text>')
    parts.append("</svg>")
    return "".join(parts)


def _line_chart(chart_id: str, label: str, values: Sequence[float], y_max: float) -> str:
    w, h, pad = 320, 110, 24
    n = len(values)
    xs = [pad + (w - 2 * pad) * (i / (n - 1) if n > 1 else 0.5) for i in range(n)]
    ys = [h - pad - (h - 2 * pad) * (v / y_max if y_max else 0) for v in values]
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    dots = "".join(f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3"/>' for x, y in zip(xs, ys, strict=True))
    return (
        f'<svg id="{chart_id}" class="chart trend" role="img" aria-label="{html.escape(label)}" width="{w}" '
        f'height="{h}" xmlns="http://www.w3.org/2000/svg"><text x="{pad}" y="14">{html.escape(label)}</text>'
        f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#999"/>'
        f'<polyline fill="none" stroke="#1565c0" stroke-width="2" points="{points}"/>{dots}'
        f'<text x="{w - pad}" y="{h - 6}" text-anchor="end">{n} run(s)</text></svg>'
    )


def trend_charts(series: dict[str, list[dict]]) -> str:
    blocks = []
    for table, points in series.items():
        slug = table.replace(".", "-")
        rows = [float(p["rows"]) for p in points]
        rates = [float(p["min_pass_rate"]) for p in points]
        blocks.append(
            f'<div class="trend-block"><h3>{html.escape(table)}</h3>'
            + _line_chart(f"trend-rows-{slug}", f"rows checked (last {rows[-1]:,.0f})", rows, max(rows) or 1)
            + _line_chart(f"trend-pass-rate-{slug}", f"lowest pass rate (last {rates[-1] * 100:.2f}%)", rates, 1.0)
            + "</div>"
        )
    return "".join(blocks)


def results_table(current: Sequence[dict]) -> str:
    head = ["table", "check", "kind", "constraint", "status", "metric", "pass rate", "threshold", "failed", "message"]
    rows = []
    for r in sorted(current, key=lambda r: (r["table_name"], r["check_name"])):
        value = r["metric_value"]
        cells = [
            r["table_name"],
            r["check_name"],
            r["kind"],
            r["constraint_text"],
            f'<span class="status {r["status"]}">{r["status"]}</span>',
            "" if value is None else f"{value:.4g}",
            f"{float(r['pass_rate']) * 100:.2f}%",
            f"{float(r['threshold']) * 100:.0f}%",
            str(r["rows_failed"]),
            r["message"],
        ]
        escaped = [c if i == 4 else html.escape(str(c)) for i, c in enumerate(cells)]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in escaped) + "</tr>")
    return (
        '<table id="results"><thead><tr>'
        + "".join(f"<th>{h}</th>" for h in head)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


CSS = """
body{font-family:system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}h3{font-size:14px;margin:4px 0}
.chart text{font-size:12px}.trend-block{display:inline-block;margin:0 18px 12px 0;vertical-align:top}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:4px 6px;text-align:left}
.status{padding:1px 6px;border-radius:3px;color:#fff}.success{background:#2e7d32}
.warning{background:#f9a825;color:#000}.failure{background:#c62828}
"""


def sections(current: Sequence[dict], history: Sequence[dict]) -> str:
    """The report's body: overall status, pass rate per table, trends, every check (also the UI's page)."""
    status = overall_status(current)
    failures = sum(r["status"] == "failure" for r in current)
    return (
        f'<p id="overall">Overall: <span class="status {status}">{status}</span> — {len(current)} checks, '
        f"{failures} failure(s)</p>"
        "<h2>Pass rate per table</h2><p>Lowest pass rate of each table's checks; the black tick is its threshold.</p>"
        + pass_rate_chart(current)
        + "<h2>Trend across runs</h2>"
        + trend_charts(trend(current, history))
        + "<h2>Checks</h2>"
        + results_table(current)
    )


def latest_and_history(results: Sequence[dict]) -> tuple[list[dict], list[dict]]:
    """Stored results split into each table's newest run and everything before it."""
    newest: dict[str, tuple[str, str]] = {}
    for r in results:
        key = (str(_plain(r["checked_at"])), r["run_id"])
        newest[r["table_name"]] = max(newest.get(r["table_name"], key), key)
    current: list[dict] = []
    history: list[dict] = []
    for r in results:
        (current if r["run_id"] == newest[r["table_name"]][1] else history).append(r)
    return current, history


def render_html(title: str, current: Sequence[dict], history: Sequence[dict], note: str = "") -> str:
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        + (f'<p id="scope">{html.escape(note)}</p>' if note else "")
        + sections(current, history)
        + "</body></html>"
    )
