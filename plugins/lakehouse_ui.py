"""Airflow plugin: the lakehouse pages (catalog, preview, quality history, runs) in the Airflow UI.

The pages are a FastAPI app mounted on the API server under ``/lakehouse`` and shown in the UI's
navigation as an external view. Plugins load in every Airflow process (scheduler, workers, DAG
processor), so the app is built on its first request: this module imports nothing heavy.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from airflow.plugins_manager import AirflowPlugin

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


class LazyApp:
    """An ASGI app that builds the real one when the first request arrives."""

    def __init__(self, factory: Callable[[], ASGIApp]) -> None:
        self._factory = factory
        self._app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if self._app is None:
            self._app = self._factory()
        app = self._app
        await app(scope, receive, send)


def _build() -> ASGIApp:
    from lakehouse.lakehouse_pages import create_app

    return create_app()


class LakehouseUIPlugin(AirflowPlugin):
    name = "lakehouse_ui"
    # AirflowPlugin declares these as (instance) attributes; Airflow reads them from the class
    fastapi_apps: list[dict[str, Any]] = [  # noqa: RUF012
        {"app": LazyApp(_build), "url_prefix": "/lakehouse", "name": "Lakehouse"}
    ]
    external_views: list[dict[str, Any]] = [  # noqa: RUF012
        {
            "name": "Lakehouse",
            "href": "lakehouse/",
            "url_route": "lakehouse",
            "destination": "nav",
            "category": "browse",
        }
    ]
