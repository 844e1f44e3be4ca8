"""The lakehouse pages of the Airflow UI: table catalog, table preview, quality history, recent runs.

A FastAPI app the plugin (``plugins/lakehouse_ui.py``) mounts on Airflow's API server under
``/lakehouse``. Read-only: every route is a GET. It sits behind Airflow's own authentication and
authorization: every route needs a user Airflow's auth manager accepts (the UI's session cookie or a
``Bearer`` token from ``/auth/token``) who may read Assets, and the runs also need read access to DAG
runs. Pages are server-rendered HTML with inline SVG (no scripts, no external assets); each has a
JSON twin under ``api/``. Links are relative, so the pages work behind any proxy prefix.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from functools import cache
from typing import Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from lakehouse.lake_catalog import (
    CatalogUnavailable,
    LakeCatalog,
    TableNotFound,
    TableRef,
    json_value,
    parse_ref,
)
from spark_apps.config import EnvConfig
from spark_apps.quality import report
from spark_apps.run_log import recent_runs

URL_PREFIX = "/lakehouse"
QUALITY_TABLE = TableRef("ops", "quality_results")


@cache
def _env() -> EnvConfig:
    from lakehouse.dag_settings import env

    return env()


@cache
def _catalog() -> LakeCatalog:
    return LakeCatalog(_env(), _store())


@cache
def _store():
    from lakehouse.s3_store import store_for

    return store_for(_env())


def create_app(catalog: Callable[[], LakeCatalog] = _catalog, store: Callable[[], Any] = _store) -> FastAPI:
    """The app, with Airflow's authorization on every route (imported here: it is slow to import, and
    plugins load in every Airflow process, not only the API server)."""
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
    from airflow.api_fastapi.core_api.security import requires_access_asset, requires_access_dag

    app = FastAPI(
        title="Lakehouse",
        description="Read-only pages over the lake: catalog, preview, quality history, runs.",
        dependencies=[Depends(requires_access_asset("GET"))],
    )
    can_read_runs = [Depends(requires_access_dag("GET", DagAccessEntity.RUN))]

    @app.exception_handler(TableNotFound)
    def _not_found(request: Request, exc: TableNotFound) -> JSONResponse:
        return JSONResponse({"detail": f"no table {exc.args[0]} in the lake"}, status_code=404)

    @app.exception_handler(CatalogUnavailable)
    def _unavailable(request: Request, exc: CatalogUnavailable) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=501)

    # ------------------------------------------------------------------ JSON

    @app.get("/api/tables")
    def api_tables() -> dict[str, Any]:
        return {"tables": catalog().catalog()}

    @app.get("/api/tables/{table}")
    def api_table(table: str) -> dict[str, Any]:
        return catalog().describe(parse_ref(table))

    @app.get("/api/tables/{table}/preview")
    def api_preview(table: str, limit: int = Query(20, ge=1, le=500)) -> dict[str, Any]:
        return catalog().preview(parse_ref(table), limit)

    @app.get("/api/quality")
    def api_quality(table: str | None = None) -> dict[str, Any]:
        return {"results": _quality_results(catalog(), table)}

    @app.get("/api/runs", dependencies=can_read_runs)
    def api_runs(limit: int = Query(20, ge=1, le=200)) -> dict[str, Any]:
        return {"runs": recent_runs(store(), _env(), limit)}

    # ------------------------------------------------------------------ pages

    @app.get("/", response_class=HTMLResponse)
    def catalog_page() -> str:
        return page("Lake catalog", "./", catalog_body(catalog().catalog()))

    @app.get("/tables/{table}", response_class=HTMLResponse)
    def table_page(table: str, limit: int = Query(20, ge=1, le=500)) -> str:
        ref = parse_ref(table)
        described, preview = catalog().describe(ref), catalog().preview(ref, limit)
        return page(ref.qualified, "../", table_body(described, preview))

    @app.get("/quality", response_class=HTMLResponse)
    def quality_page(table: str | None = None) -> str:
        results = _quality_results(catalog(), table)
        title = f"Quality history: {table}" if table else "Quality history"
        return page(title, "./", quality_body(results, table))

    @app.get("/runs", response_class=HTMLResponse, dependencies=can_read_runs)
    def runs_page(limit: int = Query(20, ge=1, le=200)) -> str:
        return page("Recent runs", "./", runs_body(recent_runs(store(), _env(), limit)))

    return app


def _quality_results(catalog: LakeCatalog, table: str | None) -> list[dict[str, Any]]:
    """Rows of ``ops.quality_results`` (one table's, or all), oldest first; none before the first gate."""
    if table is not None:
        parse_ref(table)  # a table name, not an expression
    try:
        rows = catalog.scan_rows(QUALITY_TABLE, f"table_name == '{table}'" if table else None)
    except TableNotFound:
        return []
    rows = [{k: json_value(v) for k, v in r.items()} for r in rows]
    return sorted(rows, key=lambda r: (str(r["checked_at"]), r["table_name"], r["check_name"]))


# --------------------------------------------------------------------------- HTML

CSS = (
    report.CSS
    + """
nav{margin-bottom:16px}nav a{margin-right:14px;font-weight:600}
a{color:#1565c0;text-decoration:none}a:hover{text-decoration:underline}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 14px;font-size:13px}dt{color:#555}
td.num,th.num{text-align:right}.when{white-space:nowrap}
#preview td{word-break:break-all;max-width:560px}.masked{background:#fff3e0}.muted{color:#777}
.zone{font-size:11px;padding:1px 5px;border-radius:3px;background:#e3f2fd}
.lineage{display:flex;gap:40px}.lineage ul{margin:4px 0;padding-left:18px}
"""
)


def page(title: str, base: str, body: str) -> str:
    """A whole page; ``base`` is the relative path from this page to the app's root."""
    nav = "".join(
        f'<a href="{base}{href}">{label}</a>'
        for href, label in (("", "Catalog"), ("quality", "Quality"), ("runs", "Runs"))
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)} · Lakehouse</title><style>{CSS}</style></head><body>"
        f"<nav>{nav}</nav><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


def _table(
    head: Iterable[str], rows: Iterable[Iterable[str]], table_id: str, numeric: AbstractSet[int] = frozenset()
) -> str:
    """An HTML table; cells are already escaped (they may hold links)."""
    th = "".join(f'<th class="num">{h}</th>' if i in numeric else f"<th>{h}</th>" for i, h in enumerate(head))
    body = "".join(
        "<tr>"
        + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    return f'<table id="{table_id}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def _node_link(node: str, base: str) -> str:
    """A lake table links to its page; a landing folder or warehouse table is plain text."""
    zone = node.split(".", 1)[0]
    if "/" not in node and zone not in ("warehouse",):
        return f'<a href="{base}tables/{html.escape(node)}">{html.escape(node)}</a>'
    return f'<span class="muted">{html.escape(node)}</span>'


def _when(iso: str | None) -> str:
    return f'<span class="when">{html.escape(iso.replace("T", " ").replace("+00:00", " UTC"))}</span>' if iso else "—"


def catalog_body(tables: list[dict[str, Any]]) -> str:
    rows = [
        [
            f'<span class="zone">{html.escape(t["zone"])}</span>',
            f'<a class="table-link" href="tables/{html.escape(t["table"])}">{html.escape(t["name"])}</a>',
            f"{t['rows']:,}" + ("" if t["rows_exact"] else " (≤)"),
            _when(t["last_updated"]),
            html.escape(", ".join(t["partitioned_by"]) or "—"),
            f"{t['partition_count']:,}",
            f"{t['data_files']:,}",
            ", ".join(_node_link(n, "") for n in t["upstream"]) or "—",
            ", ".join(_node_link(n, "") for n in t["downstream"]) or "—",
        ]
        for t in tables
    ]
    head = ["zone", "table", "rows", "last update", "partitioned by", "partitions", "files", "upstream", "downstream"]
    summary = f'<p id="summary">{len(tables)} tables; lineage from config/.</p>'
    return summary + _table(head, rows, "catalog", numeric={2, 5, 6})


def table_body(t: dict[str, Any], preview: dict[str, Any]) -> str:
    facts = {  # values escaped here
        "zone": html.escape(t["zone"]),
        "rows": f'<span id="rows">{t["rows"]:,}</span>'
        + ("" if t["rows_exact"] else " (upper bound: equality deletes)"),
        "last update": f"{_when(t['last_updated'])} ({html.escape(str(t['last_operation']))})",
        "snapshots kept": f"{t['snapshots']:,}",
        "data files": f"{t['data_files']:,} ({t['size_bytes']:,} bytes), delete files {t['delete_files']:,}",
        "partitioned by": html.escape(", ".join(t["partitioned_by"]) or "—"),
    }
    meta = "<dl>" + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts.items()) + "</dl>"
    lineage = (
        '<div class="lineage"><div><h3>Upstream</h3><ul id="upstream">'
        + "".join(f"<li>{_node_link(n, '../')}</li>" for n in t["upstream"])
        + '</ul></div><div><h3>Downstream</h3><ul id="downstream">'
        + "".join(f"<li>{_node_link(n, '../')}</li>" for n in t["downstream"])
        + "</ul></div></div>"
    )
    parts = [
        [html.escape(", ".join(f"{k}={v}" for k, v in p["partition"].items())), f"{p['rows']:,}", f"{p['files']:,}"]
        for p in t["partitions"]
    ]
    masked = set(preview["masked_columns"])
    head = [
        f'<span class="masked">{html.escape(c)} (masked)</span>' if c in masked else html.escape(c)
        for c in preview["columns"]
    ]
    cells = [[_cell(r.get(c)) for c in preview["columns"]] for r in preview["rows"]]
    quality = f'<p><a href="../quality?table={html.escape(t["table"])}">Quality history of this table</a></p>'
    return (
        meta
        + quality
        + "<h2>Lineage</h2>"
        + lineage
        + f"<h2>Partitions ({len(parts):,})</h2>"
        + (_table(["partition", "rows", "files"], parts, "partitions", numeric={1, 2}) if parts else "<p>none</p>")
        + f"<h2>First {len(cells)} rows</h2>"
        + _table(head, cells, "preview")
        + "<h2>Columns</h2>"
        + _table(["name", "type"], [[html.escape(c["name"]), html.escape(c["type"])] for c in t["columns"]], "columns")
    )


def _cell(value: Any) -> str:
    if value is None:
        return '<span class="muted">null</span>'
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return html.escape(text if len(text) <= 300 else text[:300] + "…")


def quality_body(results: list[dict[str, Any]], table: str | None) -> str:
    if not results:
        return '<p id="overall">No quality results recorded yet.</p>'
    current, history = report.latest_and_history(results)
    runs = len({(r["table_name"], r["run_id"]) for r in results})
    scope = "this table" if table else "every gated table"
    intro = f"<p>The newest run of {scope}, and its trend over {runs} table run(s) in ops.quality_results.</p>"
    return intro + report.sections(current, history)


def _task_row(row: dict[str, Any], task: dict[str, Any]) -> list[str]:
    """One line of a run's task table: the task's record, or one of its parts (times from the task)."""
    return [
        html.escape(row.get("task_id") or ""),
        f'<span class="status {"success" if row.get("status") == "success" else "failure"}">'
        f"{html.escape(row.get('status') or '')}</span>",
        _when(task.get("started_at")),
        _when(task.get("ended_at")),
        *[f"{row[k]:,}" if row.get(k) is not None else "—" for k in ("rows_in", "rows_out", "rows_quarantined")],
        f"{row['min_pass_rate'] * 100:.2f}%" if row.get("min_pass_rate") is not None else "—",
        html.escape(row.get("error") or ""),
    ]


def runs_body(runs: list[dict[str, Any]]) -> str:
    if not runs:
        return '<p id="runs-empty">No runs recorded yet.</p>'
    blocks: list[str] = []
    for run in runs:
        status = "success" if run["status"] == "success" else "failure"
        link = f' <a href="{html.escape(run["url"])}" target="_top">open in Airflow</a>' if run.get("url") else ""
        tasks = [
            _task_row(row, t)
            for t in run.get("tasks", [])
            # a task of several parts (the batch's ingest: one per source) shows each under it
            for row in [t, *({**p, "task_id": f"{t.get('task_id')} · {p.get('name')}"} for p in t.get("parts", []))]
        ]
        head = ["task", "status", "started", "ended", "rows in", "rows out", "quarantined", "min pass rate", "error"]
        blocks.append(
            f'<div class="run" data-dag="{html.escape(run["dag_id"])}"><h3>{html.escape(run["dag_id"])} · '
            f'{html.escape(run["run_id"])} <span class="status {status}">{html.escape(run["status"])}</span></h3>'
            f"<p>{_when(run.get('started_at'))} → {_when(run.get('ended_at'))}{link}</p>"
            + _table(head, tasks, f"tasks-{len(blocks)}", numeric={4, 5, 6, 7})
            + "</div>"
        )
    return "".join(blocks)
