"""JVM dependencies: resolved once by Maven coordinate into a local cache, then used offline.

``config/jvm_packages.yaml`` pins every coordinate. ``make install`` runs ``python -m spark_apps.jvm_deps``,
which resolves the packages the local environments name with Spark's own Ivy resolver (the code behind
``spark.jars.packages``, so the same jars and exclusions as on a cluster) inside one short-lived JVM, and
records each coordinate's jar files in ``<cache>/resolved.json``. Local runs put those files on the
classpath (``spark.jars``): no network, no resolution at each JVM start. Clusters get the coordinates.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from spark_apps.config import PROJECT_ROOT, ConfigError, JvmPackages, environment_names, load_env, load_jvm_packages

CACHE_VAR = "PIPELINE_JVM_CACHE"
INDEX = "resolved.json"


def cache_dir() -> Path:
    """Where resolved jars live: ``$PIPELINE_JVM_CACHE``, else ``.jvm/`` in the project (git-ignored)."""
    return Path(os.environ.get(CACHE_VAR) or PROJECT_ROOT / ".jvm")


def _index(cache: Path) -> dict[str, list[str]]:
    path = cache / INDEX
    return json.loads(path.read_text()) if path.is_file() else {}


def cached_jars(coordinates: Sequence[str], cache: Path | None = None) -> list[str]:
    """The jar files of ``coordinates`` (with their dependencies), in order, without duplicates.
    Fails naming the coordinate when it was never resolved here."""
    cache = cache or cache_dir()
    index = _index(cache)
    jars: list[str] = []
    for coordinate in coordinates:
        if coordinate not in index:
            raise ConfigError(
                f"{coordinate} is not in the local JVM cache {cache} (run `make install`, or "
                f"`python -m spark_apps.jvm_deps` to resolve it from Maven Central)"
            )
        for name in index[coordinate]:
            path = str(cache / "ivy" / "jars" / name)
            if path not in jars:
                jars.append(path)
    return jars


def local_coordinates(packages: JvmPackages, env_names: Iterable[str]) -> list[str]:
    """The coordinates that environments reading the local cache need, in config order."""
    wanted: set[str] = set()
    for name in env_names:
        env = load_env(name)
        if env.spark.jvm_source == "cache" and env.spark.backend == "spark_submit":
            wanted.update(env.spark.jvm_packages)
    return [packages.packages[n] for n in packages.packages if n in wanted]


def resolve(coordinates: Sequence[str], excludes: Sequence[str], cache: Path) -> dict[str, list[str]]:
    """Resolve each coordinate (transitively, with ``excludes``) through Spark's Ivy into ``cache``,
    skipping those already there; returns and records coordinate -> jar file names."""
    index = _index(cache)
    todo = [
        c for c in coordinates if c not in index or not all((cache / "ivy" / "jars" / j).is_file() for j in index[c])
    ]
    if not todo:
        return index
    from pyspark import SparkConf
    from pyspark.java_gateway import launch_gateway

    gateway = launch_gateway(SparkConf())
    try:
        jvm = gateway.jvm
        none = jvm.scala.Option.apply(None)
        utils = jvm.org.apache.spark.deploy.SparkSubmitUtils
        settings = utils.buildIvySettings(none, jvm.scala.Option.apply(str(cache / "ivy")), False)
        exclusions = (
            jvm.scala.collection.JavaConverters.asScalaBufferConverter(jvm.java.util.ArrayList(list(excludes)))
            .asScala()
            .toSeq()
        )
        for coordinate in todo:
            print(f"resolving {coordinate}", file=sys.stderr, flush=True)
            paths = utils.resolveMavenCoordinates(coordinate, settings, none, True, exclusions, False)
            index[coordinate] = [Path(paths.apply(i)).name for i in range(paths.size())]
    finally:
        gateway.shutdown()
    cache.mkdir(parents=True, exist_ok=True)
    (cache / INDEX).write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
    return index


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Resolve the local environments' JVM packages into the cache.")
    parser.add_argument("--env", action="append", help="environment(s) to resolve for (default: every one)")
    args = parser.parse_args(argv)
    packages = load_jvm_packages()
    coordinates = local_coordinates(packages, args.env or environment_names())
    cache = cache_dir()
    index = resolve(coordinates, packages.excludes, cache)
    for c in coordinates:
        print(f"{c}: {len(index[c])} jar(s)")
    print(f"JVM cache: {cache}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
