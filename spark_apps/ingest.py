"""Landing → raw: turn delivered rows (CSV, JSON lines, Parquet) into typed rows or quarantined rows
with reasons.

Files are read as lines here (not by Spark's CSV reader), in splits, so that every row keeps its
exact file and line number, a multi-GB file is many tasks, CR-only endings work, and a malformed line
can never shift or swallow its neighbours. A quoted CSV field may hold line breaks: that record is one
row, numbered by its first line (``read_records``). Each record is then parsed with ``from_csv`` using
the header of its own file, so files with reordered, re-cased or aliased columns load side by side.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from spark_apps import lake_fs
from spark_apps.config import ColumnSpec, SourceContract
from spark_apps.layout import HeaderLayout, column_sources, plan_layout, split_header

MAX_VALUE_IN_REASON = 80

LINE_COLUMNS = ["_source_file", "_line", "_raw"]
_SEP = "\u0001"  # joins reasons; never part of a reason text


def reason_list(parts: Sequence[Column]) -> Column:
    """The non-null reasons as an array (empty when all pass). concat_ws skips nulls and, unlike
    array_compact (a lambda), stays in generated code: this runs once per landed row."""
    joined = F.concat_ws(_SEP, *parts)
    return F.when(joined == "", F.array().cast("array<string>")).otherwise(F.split(joined, _SEP))


def _not_blank(raw: Column) -> Column:
    """A line with something besides whitespace (``trim`` strips spaces only: a tab-only line is blank too)."""
    return ~raw.rlike(r"^\s*$")


def _scan_lines(spark: SparkSession, files: Sequence[str], quote: str | None) -> DataFrame:
    """Every line of the files, read in splits: (_source_file, _block, _id, _raw, _odd)."""
    return spark.read.text(list(files)).select(
        F.col("_metadata.file_path").alias("_source_file"),
        F.col("_metadata.file_block_start").alias("_block"),
        F.monotonically_increasing_id().alias("_id"),
        F.col("value").alias("_raw"),
        (_odd_quotes(F.col("value"), quote) if quote else F.lit(False)).alias("_odd"),
    )


def _split_offsets(scan: DataFrame) -> tuple[DataFrame, frozenset[str]]:
    """Per split, what turns a line's ``_id`` into its line number (``_shift``); and the files where some
    line holds an odd number of quotes. One small aggregate of the scan (a row per split) is
    collected, and the running count of each file's lines is summed here."""
    splits = scan.groupBy("_source_file", "_block").agg(
        F.min("_id").alias("first"), F.count(F.lit(1)).alias("n"), F.max("_odd").alias("odd")
    )
    rows = sorted(splits.collect())
    before: dict[str, int] = {}
    offsets = []
    for r in rows:
        lines_before = before.get(r._source_file, 0)
        offsets.append((r._source_file, r._block, lines_before - r.first + 1))
        before[r._source_file] = lines_before + r.n
    quoted = frozenset(r._source_file for r in rows if r.odd)
    return scan.sparkSession.createDataFrame(offsets, "_source_file string, _block long, _shift long"), quoted


def _numbered(scan: DataFrame, offsets: DataFrame) -> DataFrame:
    """(_source_file, _line, _raw, _odd): a split's lines are consecutive ids of
    ``monotonically_increasing_id`` in its partition, shifted by the lines before the split."""
    return scan.join(F.broadcast(offsets), ["_source_file", "_block"]).select(
        "_source_file", (F.col("_id") + F.col("_shift")).alias("_line"), "_raw", "_odd"
    )


def numbered_lines(spark: SparkSession, files: Sequence[str]) -> DataFrame:
    """Every line of the files, blank ones too: (_source_file, _line [1-based, exact], _raw).

    Splittable: Spark reads each file in splits (``spark.sql.files.maxPartitionBytes``), so a
    multi-GB file is many tasks and never one string. A line's number is the count of lines in the
    file's earlier splits plus its place in its own split, as ``zipWithIndex`` does: the per-split
    counts come from ``_split_offsets``, keyed by ``_metadata.file_block_start``. Hadoop's line
    reader ends a line at LF, CRLF or a lone CR, and gives each line to exactly one split."""
    scan = _scan_lines(spark, files, None)
    offsets, _ = _split_offsets(scan)
    return _numbered(scan, offsets).select(*LINE_COLUMNS)


def read_lines(spark: SparkSession, files: Sequence[str]) -> DataFrame:
    """One row per non-blank line: (_source_file, _line [1-based], _raw)."""
    return numbered_lines(spark, files).where(_not_blank(F.col("_raw")))


MAX_JOINED_CHARS = 65_536  # a longer "record" is a stray quote swallowing lines, not a multi-line field


def _record_pattern(width: int, delimiter: str, quote: str) -> str:
    """A whole well-formed record of ``width`` fields, each quoted (quotes inside doubled, line breaks
    allowed) or plain (no quote, delimiter or line break). Possessive runs keep Java's regex from
    recursing once per character."""
    q, d = re.escape(quote), re.escape(delimiter)
    field = f"(?:{q}(?:[^{q}]++|{q}{q})*+{q}|[^{q}{d}\\r\\n]*+)"
    return f"^{field}(?:{d}{field}){{{width - 1}}}$"


def _odd_quotes(raw: Column, quote: str) -> Column:
    """A line with an odd number of quote characters opens or closes a quoted field across its end."""
    quotes = F.length(raw) - F.length(F.replace(raw, F.lit(quote), F.lit("")))
    return (F.instr(raw, quote) > 0) & (quotes % 2 == 1)


def _joined_records(lines: DataFrame, width: int, delimiter: str, quote: str) -> DataFrame:
    """The records of files with a line ending inside quotes. A line starts a record when the lines
    above it in its file hold an even number of quotes (an escaped ``""`` counts twice, so it never
    toggles); the record runs to the next such line, its text joined with LF and numbered by its first
    line. A joined record that is not one well-formed row of ``width`` fields, or is longer than
    ``MAX_JOINED_CHARS`` (a stray quote opened it), is given back as its separate lines, so a stray
    quote quarantines only its own lines. Only these files pay for the sort by line."""
    in_file = Window.partitionBy("_source_file").orderBy("_line")
    above = in_file.rowsBetween(Window.unboundedPreceding, -1)
    upto = in_file.rowsBetween(Window.unboundedPreceding, Window.currentRow)
    odd_above = F.coalesce(F.sum(F.col("_odd").cast("int")).over(above), F.lit(0))
    marked = lines.withColumn("_starts", odd_above % 2 == 0).withColumn(
        "_chars", F.sum(F.length("_raw") + 1).over(upto)
    )
    record_start_chars = F.last(F.when(F.col("_starts"), F.col("_chars") - F.length("_raw") - 1), True).over(upto)
    numbered = marked.select(
        "_source_file",
        "_line",
        "_raw",
        F.sum(F.col("_starts").cast("long")).over(upto).alias("_rec"),
        (F.col("_chars") - record_start_chars).alias("_span"),
    )
    short = F.col("_span") <= MAX_JOINED_CHARS
    records = numbered.groupBy("_source_file", "_rec").agg(
        F.count(F.lit(1)).alias("_n"),
        F.max("_span").alias("_span"),
        F.sort_array(F.collect_list(F.when(short, F.struct("_line", "_raw")))).alias("_parts"),
    )
    text = F.array_join(F.transform("_parts", lambda p: p["_raw"]), "\n")
    joined = (
        records.where((F.col("_n") > 1) & short)
        .select(
            "_source_file",
            "_rec",
            F.element_at("_parts", 1)["_line"].alias("_line"),
            text.alias("_raw"),
        )
        .where(F.col("_raw").rlike(_record_pattern(width, delimiter, quote)))
    )
    separate = numbered.join(joined.select("_source_file", "_rec"), ["_source_file", "_rec"], "left_anti")
    return separate.select(*LINE_COLUMNS).unionByName(joined.select(*LINE_COLUMNS))


def read_records(spark: SparkSession, files: Sequence[str], width: int, delimiter: str, quote: str) -> DataFrame:
    """One row per non-blank CSV record: (_source_file, _line [1-based, its first line], _raw). Lines of
    files where no line holds an odd number of quotes are records as they are (no shuffle); only the
    other files' lines, if there are any, go through ``_joined_records``."""
    scan = _scan_lines(spark, files, quote)
    offsets, quoted = _split_offsets(scan)
    lines = _numbered(scan, offsets)
    records = lines.select(*LINE_COLUMNS)
    if quoted:
        in_quoted = F.col("_source_file").isin(*sorted(quoted))
        across = _joined_records(lines.where(in_quoted), width, delimiter, quote)
        records = lines.where(~in_quoted).select(*LINE_COLUMNS).unionByName(across)
    return records.where(_not_blank(F.col("_raw")))


def _field_count(raw: Column, delimiter: str, quote: str) -> Column:
    """Number of fields in a line. Only lines holding a quote pay for removing quoted sections."""
    q, d = re.escape(quote), re.escape(delimiter)
    unquoted = F.regexp_replace(raw, f"{q}(?:[^{q}]++|{q}{q})*+{q}", "x")  # possessive: no recursion per character
    return F.size(F.split(F.when(F.instr(raw, quote) > 0, unquoted).otherwise(raw), d, -1))


def parse_lines(lines: DataFrame, contract: SourceContract, layout: HeaderLayout) -> DataFrame:
    """Data lines of files sharing ``layout`` → canonical string columns plus ``_shape_errors``."""
    width = len(layout.fields)
    reader = contract.reader
    schema = StructType([StructField(f"f{i}", StringType()) for i in range(width)])
    options = {"sep": reader.delimiter, "quote": reader.quote, "escape": reader.quote, "mode": "PERMISSIVE"}
    parsed = lines.where(F.col("_line") > 1).select(
        *LINE_COLUMNS,
        F.from_csv("_raw", schema.simpleString(), options).alias("_p"),
        _field_count(F.col("_raw"), reader.delimiter, reader.quote).alias("_n"),
    )
    shape = [
        F.when(_odd_quotes(F.col("_raw"), reader.quote), F.lit("malformed: unbalanced quote")),
        F.when(F.col("_n") > width, F.concat(F.lit(f"malformed: expected {width} fields, found "), F.col("_n"))),
        F.when(F.col("_n") < width, F.concat(F.lit(f"malformed: expected {width} fields, found "), F.col("_n"))),
        *[F.lit(e) for e in layout.file_errors],
    ]
    canonical = [
        _first_delivered([F.col(f"_p.f{p}") for p in ps]).alias(n) for n, ps in column_sources(layout).items()
    ] + [F.lit(None).cast("string").alias(col.name) for col in contract.columns if col.name not in layout.canonical]
    extras = (
        F.create_map(*[x for pos, name in layout.extras for x in (F.lit(name), F.col(f"_p.f{pos}"))])
        if layout.extras
        else F.lit(None).cast("map<string,string>")
    )
    return parsed.select(
        *LINE_COLUMNS, *canonical, extras.alias("_extra"), F.concat_ws(_SEP, *shape).alias("_shape_errors")
    )


ISO_PATTERNS = {
    "date": ("yyyy-MM-dd", r"^\d{4}-\d{2}-\d{2}$"),
    "timestamp": ("yyyy-MM-dd HH:mm:ss", r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?$"),
}


def _typed(col: ColumnSpec) -> Column:
    raw = F.col(col.name)
    if col.type == "string":
        return raw
    if col.type in ("date", "timestamp"):
        # Strict ISO text takes Spark's native cast (several times faster than a pattern formatter);
        # other declared formats are tried in order with the formatter.
        iso_format, iso_regex = ISO_PATTERNS[col.type]
        fn = F.to_date if col.type == "date" else F.to_timestamp
        iso = F.when(raw.rlike(iso_regex), raw.cast(col.type))
        return F.coalesce(iso, *[fn(raw, fmt) for fmt in col.formats if fmt != iso_format])
    text = F.trim(raw)
    exact = _exact_number_pattern(col.type)
    if exact:  # a value the type cannot hold exactly is refused, never truncated or rounded
        return F.when(text.rlike(exact), text.cast(col.type))
    return text.cast(col.type)


INTEGER_TYPES = ("tinyint", "byte", "smallint", "short", "int", "integer", "bigint", "long")


def _exact_number_pattern(spark_type: str) -> str | None:
    """The text an integer or decimal type holds exactly: whole numbers, or at most ``scale`` decimals
    besides trailing zeros (Spark's cast would make 2.9 an int 2 and 12.345 a decimal(12,2) 12.35)."""
    t = spark_type.strip().lower()
    if t in INTEGER_TYPES:
        return r"^[+-]?\d+$"
    scale = re.fullmatch(r"decimal\(\s*\d+\s*,\s*(\d+)\s*\)", t)
    if scale:
        digits = int(scale.group(1))
        return rf"^[+-]?(\d+(\.\d{{0,{digits}}}0*)?|\.\d{{1,{digits}}}0*)$" if digits else r"^[+-]?\d+(\.0*)?$"
    return None


def _shorten(value: Column) -> Column:
    return F.when(
        F.length(value) > MAX_VALUE_IN_REASON, F.concat(F.substring(value, 1, MAX_VALUE_IN_REASON), F.lit("…"))
    ).otherwise(value)


def type_rows(parsed: DataFrame, contract: SourceContract) -> DataFrame:
    """Cast to contract types and collect every failed rule of a row into ``_reasons`` (empty = valid)."""
    typed_cols: list[Column] = []
    checks: list[Column] = []
    for col in contract.columns:
        raw = F.when(F.col(col.name) != "", F.col(col.name))  # empty field = missing value
        typed = _typed(col)
        typed_expr = F.when(raw.isNotNull(), typed)
        typed_cols.append(typed_expr.alias(col.name))
        if not col.nullable:
            checks.append(F.when(raw.isNull(), F.lit(f"{col.name}: required value is missing")))
        max_length = contract.max_length(col)
        if max_length:
            checks.append(
                F.when(
                    F.length(raw) > max_length,
                    F.concat(F.lit(f"{col.name}: longer than {max_length} characters ("), F.length(raw), F.lit(")")),
                )
            )
        if col.type in ("date", "timestamp"):
            low, high = contract.bounds.min_date, contract.bounds.max_date
            day = F.to_date(typed)
            checks.append(
                F.when(
                    day.isNotNull() & ((day < F.lit(low)) | (day > F.lit(high))),
                    F.concat(F.lit(f"{col.name}: '"), _shorten(raw), F.lit(f"' is outside {low} .. {high}")),
                )
            )
        checks.append(
            F.when(
                raw.isNotNull() & typed.isNull(),
                F.concat(F.lit(f"{col.name}: cannot parse '"), _shorten(raw), F.lit(f"' as {col.type}")),
            )
        )
    # A structurally broken line (or file) reports only that: its fields are misaligned, so per-column
    # errors would be noise.
    shape = F.col("_shape_errors")
    reasons = F.when(shape != "", F.split(shape, _SEP)).otherwise(reason_list(checks))
    rows = parsed.select(*LINE_COLUMNS, *typed_cols, "_extra", reasons.alias("_reasons"))
    return with_derived(rows, contract)


def with_derived(typed: DataFrame, contract: SourceContract) -> DataFrame:
    """The contract's derived columns over the typed ones. A derived primary-key column that comes out
    null (say, from a missing part) is a reason of its own, so no row gets a null key."""
    if not contract.derived:
        return typed
    out = typed.select("*", *[F.expr(d.expression).cast(d.type).alias(d.name) for d in contract.derived])
    null_keys = [
        F.when(F.col(d.name).isNull(), F.lit(f"{d.name}: derived key is null ({d.expression})"))
        for d in contract.derived
        if d.name in contract.primary_key
    ]
    if not null_keys:
        return out
    extra = reason_list(null_keys)
    return out.withColumn("_reasons", F.when(F.size("_reasons") == 0, extra).otherwise(F.col("_reasons")))


def _csv_records(spark: SparkSession, contract: SourceContract, layout: HeaderLayout, files: list[str]) -> DataFrame:
    reader = contract.reader
    return read_records(spark, files, len(layout.fields), reader.delimiter, reader.quote)


def parse_batch(
    spark: SparkSession, contract: SourceContract, files_by_layout: dict[HeaderLayout, list[str]]
) -> DataFrame:
    """All CSV files of a batch, each parsed with its own header, as one typed frame with ``_reasons``."""
    frames = [
        type_rows(parse_lines(_csv_records(spark, contract, layout, files), contract, layout), contract)
        for layout, files in files_by_layout.items()
    ]
    return union_all(frames)


def union_all(frames: Sequence[DataFrame]) -> DataFrame:
    result = frames[0]
    for frame in frames[1:]:
        result = result.unionByName(frame)
    return result


def parse_json_lines(lines: DataFrame, contract: SourceContract) -> DataFrame:
    """JSON lines → canonical string columns. Keys match case-insensitively and through aliases, per row."""
    fields = F.transform_keys(F.from_json("_raw", "map<string,string>"), lambda k, _: F.lower(k))
    known: list[str] = []
    canonical = []
    for col in contract.columns:
        spellings = [col.name, *[a.lower() for a in [*col.aliases, *col.coalesce_of]]]
        known.extend(spellings)
        canonical.append(F.coalesce(*[F.element_at(fields, F.lit(sp)) for sp in spellings]).alias(col.name))
    extra = F.map_filter(fields, lambda k, _: ~k.isin(*known))
    shape = [F.when(fields.isNull(), F.lit("malformed: not a JSON object"))]
    if contract.drift.extra_columns == "reject":
        shape.append(
            F.when(F.size(extra) > 0, F.concat(F.lit("unexpected fields: "), F.array_join(F.map_keys(extra), ", ")))
        )
    return lines.select(
        *LINE_COLUMNS,
        *canonical,
        F.when(F.size(extra) > 0, extra).alias("_extra"),
        F.concat_ws(_SEP, *shape).alias("_shape_errors"),
    )


def _first_delivered(values: list[Column]) -> Column:
    """One column's value from the header positions that deliver it: the first non-empty one."""
    if len(values) == 1:
        return values[0]
    return F.coalesce(*[F.when(v != "", v) for v in values])


def _column(name: str) -> Column:
    """A column by its delivered name, whatever it holds (a backtick is escaped by doubling it)."""
    return F.col("`" + name.replace("`", "``") + "`")


def parse_parquet(spark: SparkSession, contract: SourceContract, files: Sequence[str]) -> DataFrame:
    """Parquet files → canonical string columns; ``_line`` is the 1-based row position in its file.

    Files are grouped by schema (read from footers only), so files whose columns differ in name,
    case or type load side by side. Typed values pass through their text form, which the contract's
    types parse exactly (ISO dates and timestamps, plain decimals).
    """
    groups: dict[str, list[str]] = {}
    schemas = {}
    for f in files:
        schema = spark.read.parquet(f).schema
        groups.setdefault(schema.simpleString(), []).append(f)
        schemas[schema.simpleString()] = schema
    frames = []
    for key, group in groups.items():
        names = [fld.name for fld in schemas[key].fields]
        layout = plan_layout(contract, names)
        df = spark.read.parquet(*group)
        canonical = [
            _first_delivered([_column(names[p]).cast("string") for p in ps]).alias(n)
            for n, ps in column_sources(layout).items()
        ] + [F.lit(None).cast("string").alias(c.name) for c in contract.columns if c.name not in layout.canonical]
        extras = (
            F.create_map(*[x for pos, name in layout.extras for x in (F.lit(name), _column(names[pos]).cast("string"))])
            if layout.extras
            else F.lit(None).cast("map<string,string>")
        )
        parsed = df.select(
            F.col("_metadata.file_path").alias("_source_file"),
            (F.col("_metadata.row_index") + 1).alias("_line"),
            F.to_json(F.struct(*[_column(n) for n in names])).alias("_raw"),
            *canonical,
            extras.alias("_extra"),
            F.lit(_SEP.join(layout.file_errors)).alias("_shape_errors"),
        )
        frames.append(type_rows(parsed, contract))
    return union_all(frames)


def group_by_layout(
    spark: SparkSession, contract: SourceContract, uris: Sequence[str]
) -> dict[HeaderLayout, list[str]]:
    """Read each CSV file's header (first line only, on the driver) and group files sharing a layout."""
    groups: dict[HeaderLayout, list[str]] = {}
    for uri in uris:
        header = lake_fs.read_first_line(spark, uri)
        fields = split_header(header, contract.reader.delimiter, contract.reader.quote)
        groups.setdefault(plan_layout(contract, fields), []).append(uri)
    return groups


def parse_files(spark: SparkSession, contract: SourceContract, uris: Sequence[str]) -> DataFrame:
    """Files of the contract's format → canonical typed columns, ``_extra`` and ``_reasons`` per row."""
    if contract.format == "json":
        return type_rows(parse_json_lines(read_lines(spark, uris), contract), contract)
    if contract.format == "parquet":
        return parse_parquet(spark, contract, uris)
    return parse_batch(spark, contract, group_by_layout(spark, contract, uris))


AUDIT_DDL = (
    "_batch_id string, _source_file string, _line long, _run_id string, _ingested_at timestamp, _ingest_date date"
)
QUARANTINE_DDL = (
    "_source_file string, _line long, _raw string, _reasons array<string>, _failed_rules array<string>,"
    " _batch_id string, _run_id string, _ingested_at timestamp, _ingest_date date"
)


def raw_ddl(contract: SourceContract) -> str:
    """The raw table's schema: contract columns, kept extra columns, audit columns."""
    cols = ", ".join(f"{name} {kind}" for name, kind in contract.output_columns)
    return f"{cols}, _extra map<string,string>, {AUDIT_DDL}"


def mark_duplicate_keys(batch: DataFrame, keys: list[str]) -> DataFrame:
    """Within a batch, the first valid row of a primary key (by file, line) wins; later ones are quarantined
    with the location of the first, so a conflicting re-send inside one delivery is never silently merged.
    (A hash aggregate joined back was measured slower here than this one sort-based window.)"""
    valid = F.size("_reasons") == 0
    w = Window.partitionBy(F.col("_batch_id"), valid, *[F.col(k) for k in keys]).orderBy("_source_file", "_line")
    first_seen = F.first(F.concat_ws(":", "_source_file", F.col("_line").cast("string"))).over(w)
    reason = F.concat(F.lit(f"duplicate primary key ({', '.join(keys)}): first seen at "), first_seen)
    return batch.withColumn(
        "_reasons", F.when(valid & (F.row_number().over(w) > 1), F.array(reason)).otherwise(F.col("_reasons"))
    )


def with_audit(df: DataFrame, batch_id: str, batch_date: str, run_id: str) -> DataFrame:
    return df.select(
        "*",
        F.lit(batch_id).alias("_batch_id"),
        F.lit(run_id).alias("_run_id"),
        F.current_timestamp().alias("_ingested_at"),
        F.to_date(F.lit(batch_date)).alias("_ingest_date"),
    )


def raw_rows(batch: DataFrame, contract: SourceContract) -> DataFrame:
    """Valid rows in raw-table shape: contract columns, kept extra columns, audit columns."""
    names = [n for n, _ in contract.output_columns] + ["_extra", *[c.split()[0] for c in AUDIT_DDL.split(", ")]]
    return batch.where(F.size("_reasons") == 0).select(*names)


def quarantine_rows(batch: DataFrame) -> DataFrame:
    """Invalid rows as delivered, with every reason and the names of the quality rules they failed
    (``_failed_rules``: empty for rows the contract already rejected, or when the batch had no suite)."""
    if "_failed_rules" not in batch.columns:
        batch = batch.withColumn("_failed_rules", F.array().cast("array<string>"))
    return batch.where(F.size("_reasons") > 0).select(*[c.split()[0] for c in QUARANTINE_DDL.split(", ")])
