"""What every Spark benchmark starts with: a throw-away lake and the runtime settings of the venv."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the benchmarks share test data builders (tests/*.py) with the tests


def scratch_lake(prefix: str) -> Path:
    """A fresh folder whose ``lake/`` the pipeline config points at (``PIPELINE_LAKE_ROOT``)."""
    scratch = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.update(
        {
            "PIPELINE_LAKE_ROOT": str(scratch / "lake"),
            "PIPELINE_HOME": str(ROOT),
            "SPARK_VERSION": "3.5",
            "PYSPARK_PYTHON": sys.executable,
        }
    )
    return scratch
