"""JVM dependencies: resolved once by Maven coordinate into a local cache, then used offline.

``config/jvm_packages.yaml`` pins every coordinate. ``make install`` runs ``python -m spark_apps.jvm_deps``,
which resolves the packages the local environments name with Spark's own Ivy resolver (the code behind
``spark.jars.packages``, so the same jars and exclusions as on a cluster) inside one short-lived JVM, and
records each coordinate's jar files in ``<cache>/resolved.json``. Local runs put those files on the
classpath (``spark.jars``): no network, no resolution at each JVM start. Clusters get the coordinates.

It also dumps a class-data-sharing archive of Spark's classes (``<cache>/cds/``, JDK dynamic CDS): a local
driver mapping it starts and runs its first queries without loading and verifying those classes again,
0.75x the time of a short job here (``bench/README.md``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from spark_apps.config import (
    PROJECT_ROOT,
    ConfigError,
    EnvConfig,
    JvmPackages,
    environment_names,
    load_env,
    load_jvm_packages,
)

CACHE_VAR = "PIPELINE_JVM_CACHE"
INDEX = "resolved.json"
WARM_UP_JOB = PROJECT_ROOT / "spark_apps" / "jobs" / "warm_up.py"
# A missing, stale or foreign archive must never fail or chatter: the JVM then starts without it, silently.
QUIET_CDS = "-Xlog:cds*=off"


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


def _java() -> str:
    """The java spark-submit launches: ``$JAVA_HOME/bin/java``, else the one on the PATH."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java") or "java"
    return os.path.realpath(java)


def class_data_archive(cache: Path | None = None) -> Path:
    """This machine's archive of Spark's classes: one per JVM and PySpark version (an archive only fits the
    JVM and classpath that wrote it)."""
    from importlib.metadata import version

    key = hashlib.sha256(f"{_java()}|{version('pyspark')}".encode()).hexdigest()[:12]
    return (cache or cache_dir()) / "cds" / f"spark-{key}.jsa"


def _shares_classes(env: EnvConfig) -> bool:
    return env.spark.class_data_sharing and env.spark.jvm_source == "cache" and env.spark.backend == "spark_submit"


def startup_java_options(env: EnvConfig, cache: Path | None = None) -> list[str]:
    """Driver JVM options that map the class-data archive: local drivers (the jar cache) only, and only when
    ``make install`` wrote the archive."""
    if not _shares_classes(env):
        return []
    archive = class_data_archive(cache)
    return [f"-XX:SharedArchiveFile={archive}", QUIET_CDS] if archive.is_file() else []


def local_submit_command(
    conf: dict[str, str], app: Path, app_args: Sequence[str], py_files: Path | None = None
) -> list[str]:
    """``spark-submit`` of ``app`` on ``local[2]`` with ``conf``, through PySpark's own launcher."""
    from pyspark.find_spark_home import _find_spark_home

    command = [str(Path(_find_spark_home()) / "bin" / "spark-submit"), "--master", "local[2]"]
    command += ["--py-files", str(py_files)] if py_files else []
    command += [arg for key, value in conf.items() for arg in ("--conf", f"{key}={value}")]
    return [*command, str(app), *app_args]


def dump_class_data_archive(env: EnvConfig, cache: Path) -> Path:
    """Run the warm-up job (the session, CSV typing, SQL, table writes and MERGE) in a JVM that writes the
    classes it loaded to the archive at exit; written under a temporary name, then renamed into place."""
    from spark_apps.spark_conf import spark_conf

    target = class_data_archive(cache)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    conf = spark_conf(env)
    conf["spark.driver.extraJavaOptions"] = f"-XX:ArchiveClassesAtExit={partial} {QUIET_CDS}"
    with tempfile.TemporaryDirectory(prefix="warm-up-") as scratch:
        conf.update({f"spark.sql.catalog.{env.catalog.name}.warehouse": scratch, "spark.sql.warehouse.dir": scratch})
        app_args = ["--catalog", env.catalog.name, "--format", env.table_format, "--dir", scratch]
        command = local_submit_command(conf, WARM_UP_JOB, app_args)
        environ = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")])}
        try:
            subprocess.run(command, check=True, env=environ, stdout=subprocess.DEVNULL)
        except subprocess.CalledProcessError:
            partial.unlink(missing_ok=True)
            raise
    partial.replace(target)
    return target


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
    # the archive is written by a local environment's driver (dev's when there is one)
    names = sorted(args.env or environment_names(), key=lambda n: n != "dev")
    trainer = next((env for env in map(load_env, names) if _shares_classes(env)), None)
    if trainer is not None:
        print(f"class-data archive: {dump_class_data_archive(trainer, cache)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
