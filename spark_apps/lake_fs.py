"""File access in the lake through Hadoop's FileSystem API, so the same code serves file:// and s3a://."""

from __future__ import annotations

from typing import Any

from pyspark.sql import SparkSession


def jvm_of(spark: SparkSession) -> Any:
    """The driver JVM's py4j view (pyspark types it Optional: it is None only once the context stopped)."""
    jvm = spark.sparkContext._jvm
    if jvm is None:
        raise RuntimeError("the SparkContext is stopped: no JVM to call")
    return jvm


def _fs_and_path(spark: SparkSession, path: str):
    jvm = jvm_of(spark)
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    return hpath.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()), hpath


def read_first_line(spark: SparkSession, path: str, encoding: str = "UTF-8") -> str:
    """The header line of a delimited file (LF, CRLF or CR-only endings)."""
    jvm = jvm_of(spark)
    fs, hpath = _fs_and_path(spark, path)
    stream = fs.open(hpath)
    try:
        reader = jvm.java.io.BufferedReader(jvm.java.io.InputStreamReader(stream, encoding))
        line = reader.readLine()
        return (line or "").lstrip("\ufeff")
    finally:
        stream.close()


def read_text(spark: SparkSession, path: str) -> str:
    """Read a small UTF-8 text file (a plan or manifest) whole."""
    jvm = jvm_of(spark)
    fs, hpath = _fs_and_path(spark, path)
    stream = fs.open(hpath)
    try:
        return jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8")
    finally:
        stream.close()


def write_text(spark: SparkSession, path: str, text: str) -> None:
    """Write a small text file (a manifest), replacing it if present."""
    jvm = jvm_of(spark)
    fs, hpath = _fs_and_path(spark, path)
    out = fs.create(hpath, True)
    try:
        writer = jvm.java.io.OutputStreamWriter(out, "UTF-8")
        writer.write(text)
        writer.flush()
    finally:
        out.close()


def exists(spark: SparkSession, path: str) -> bool:
    fs, hpath = _fs_and_path(spark, path)
    return bool(fs.exists(hpath))


def subfolders(spark: SparkSession, path: str) -> list[str]:
    """Names of the folders directly under ``path`` (none when it does not exist)."""
    fs, hpath = _fs_and_path(spark, path)
    if not fs.exists(hpath):
        return []
    return sorted(s.getPath().getName() for s in fs.listStatus(hpath) if s.isDirectory())


def list_files(spark: SparkSession, path: str, suffix: str = "") -> list[tuple[str, int]]:
    """The files directly under ``path`` whose names end with ``suffix``, as (full URI, size in bytes)."""
    fs, hpath = _fs_and_path(spark, path)
    return sorted(
        (s.getPath().toString(), int(s.getLen()))
        for s in fs.listStatus(hpath)
        if s.isFile() and s.getPath().getName().endswith(suffix)
    )
