"""The plugins folder as Airflow's plugin manager loads it: one plugin, no import errors, nothing heavy.

Plugins load in every Airflow process (scheduler, workers, DAG processor), so loading them must not pull
in Spark, PyIceberg or the API server's security module; the lakehouse pages are built on first request.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LOAD_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from airflow import plugins_manager
    plugins, errors = plugins_manager._get_plugins()
    out = {
        "plugins": {p.name: {"apps": [(a["url_prefix"], type(a["app"]).__name__) for a in p.fastapi_apps],
                             "views": p.external_views} for p in plugins if p.source is not None
                    and "PluginsDirectorySource" in type(p.source).__name__},
        "errors": errors,
        "heavy": sorted(m for m in ("pyspark", "pyiceberg", "airflow.api_fastapi.core_api.security",
                                    "lakehouse.lakehouse_pages") if m in sys.modules),
        # what scanning the lakehouse package would import under bare file names
        "stray": sorted(m for m in ("lakehouse_pages", "lake_catalog", "warehouse", "callbacks") if m in sys.modules),
    }
    print("RESULT" + json.dumps(out))
    """
)


def test_the_plugins_folder_yields_the_lakehouse_ui_plugin_and_loads_nothing_heavy(scratch):
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(scratch / "airflow-plugins"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LAZY_LOAD_PLUGINS": "False",
    }
    proc = subprocess.run([sys.executable, "-c", LOAD_SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(next(line for line in proc.stdout.splitlines() if line.startswith("RESULT"))[6:])

    # only lakehouse_ui.py is scanned (plugins/.airflowignore keeps the lakehouse package out), cleanly
    assert out["errors"] == {}
    assert out["plugins"] == {
        "lakehouse_ui": {
            "apps": [["/lakehouse", "LazyApp"]],
            "views": [
                {
                    "name": "Lakehouse",
                    "href": "lakehouse/",
                    "url_route": "lakehouse",
                    "destination": "nav",
                    "category": "browse",
                }
            ],
        }
    }
    assert out["heavy"] == [] and out["stray"] == []
