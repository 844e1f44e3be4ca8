"""Build the archive that Spark backends ship with ``--py-files``: the ``spark_apps`` package, versioned.

python -m spark_apps.archive dist/spark_apps.zip
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

from spark_apps import __version__

PACKAGE_DIR = Path(__file__).resolve().parent


def build_archive(dest: Path) -> Path:
    """Zip every module of the package (no caches), with a VERSION entry for traceability."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(PACKAGE_DIR.rglob("*.py")):
            zf.write(path, Path("spark_apps") / path.relative_to(PACKAGE_DIR))
        zf.writestr("spark_apps/VERSION", __version__)
    return dest


def build_config_archive(dest: Path, config: Path = PACKAGE_DIR.parent / "config") -> Path:
    """Zip the YAML/JSON config with paths relative to config/, ready to unpack as PIPELINE_CONFIG_DIR."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in config.rglob("*") if p.suffix in (".yaml", ".json")):
            zf.write(path, path.relative_to(config))
    return dest


if __name__ == "__main__":
    out = build_archive(Path(sys.argv[1] if len(sys.argv) > 1 else "dist/spark_apps.zip"))
    print(f"built {out} (spark_apps {__version__})")
    if len(sys.argv) > 2:
        print(f"built {build_config_archive(Path(sys.argv[2]))}")
