"""Declarative configuration, one module per concern: environments, domains, source contracts and
warehouse tables, quality suites and the account summary (a domain's own rules live in its package,
``spark_apps/domains/<domain>``).

Everything the pipelines do is driven by YAML under ``config/``. It is validated when loaded, so a typo
fails at DAG parse or job start with the file and the key, never mid-run. The package imports no Spark
and no Airflow: both sides (DAG files and Spark jobs) use it, as ``from spark_apps.config import …``.
"""

from __future__ import annotations

from spark_apps.config.base import *  # noqa: F403
from spark_apps.config.contracts import *  # noqa: F403
from spark_apps.config.contracts import _contracts_in
from spark_apps.config.domains import *  # noqa: F403
from spark_apps.config.environments import *  # noqa: F403
from spark_apps.config.quality import *  # noqa: F403
from spark_apps.config.quality import _suites_in
from spark_apps.config.summary import *  # noqa: F403


def clear_caches() -> None:
    """Forget the contracts and suites read so far (they are cached per config folder)."""
    _contracts_in.cache_clear()
    _suites_in.cache_clear()
