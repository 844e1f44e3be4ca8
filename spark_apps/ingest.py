"""Landing → raw: turn delivered rows (CSV, JSON lines, Parquet) into typed rows or quarantined rows
with reasons.

Files are read whole and split into lines here (not by Spark's CSV reader) so that every row keeps
its exact file and line number, CR-only endings work, and a malformed line can never shift or swallow
its neighbours. A quoted CSV field may hold line breaks: that record is one row, numbered by its first
line (``read_records``). Each record is then parsed with ``from_csv`` using the header of its own file,
so files with reordered, re-cased or aliased columns load side by side.
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

LINE_BREAK = r"\r\n|\r|\n"
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


def read_lines(spark: SparkSession, files: Sequence[str]) -> DataFrame:
    """One row per non-blank line: (_source_file, _line [1-based], _raw)."""
    whole = spark.read.text(list(files), wholetext=True).select(
        F.col("_metadata.file_path").alias("_source_file"), F.col("value")
    )
    lines = whole.select("_source_file", F.posexplode(F.split("value", LINE_BREAK)).alias("pos", "_raw"))
    return lines.select("_source_file", (F.col("pos") + 1).cast("long").alias("_line"), "_raw").where(
        _not_blank(F.col("_raw"))
    )


CONTINUES = "\u0002"  # follows a line break inside a quoted field: the next line continues that record
NUMBERED = "\u0003"  # joins a joined record's first line number to its text: "<line>\u0003<text>"


def _mark_quoted_breaks(text: Column, quote: str) -> Column:
    """Follow each line break inside a quoted field with ``CONTINUES``. Split at its quote characters,
    a text alternates outside / inside quotes (an escaped ``""`` closes and reopens at once), so this
    needs no scan with state; a text without a quote is returned as it is."""
    segments = F.split(text, re.escape(quote), -1)
    marked = F.transform(
        segments,
        lambda s, i: F.when(i % 2 == 1, F.regexp_replace(s, f"({LINE_BREAK})", "$1" + CONTINUES)).otherwise(s),
    )
    return F.when(F.instr(text, quote) > 0, F.array_join(marked, quote)).otherwise(text)


MAX_JOINED_CHARS = 65_536  # a longer "record" is a stray quote swallowing lines, not a multi-line field


def _record_pattern(width: int, delimiter: str, quote: str) -> str:
    """A whole well-formed record of ``width`` fields, each quoted (quotes inside doubled, line breaks
    allowed) or plain (no quote, delimiter or line break). Possessive runs keep Java's regex from
    recursing once per character."""
    q, d = re.escape(quote), re.escape(delimiter)
    field = f"(?:{q}(?:[^{q}]++|{q}{q})*+{q}|[^{q}{d}\\r\\n]*+)"
    return f"^{field}(?:{d}{field}){{{width - 1}}}$"


def _joined_records(lines: Column, width: int, delimiter: str, quote: str) -> Column:
    """``<line>NUMBERED<text>`` per record of a file whose quoted fields hold line breaks: a record runs
    from a line that is not a continuation up to the next one, numbered by its first line. A joined
    record that does not come out as one well-formed row of ``width`` fields (a stray quote opened it)
    is given back as its separate lines, so a stray quote quarantines only its own lines, as without
    joining."""
    n = F.size(lines)
    starts = F.filter(F.sequence(F.lit(1), n), lambda i: ~F.element_at(lines, i).startswith(CONTINUES))

    def record(start: Column, k: Column) -> Column:
        end = F.coalesce(F.element_at(starts, k + 2), n + 1)  # the next record's first line
        text = F.regexp_replace(F.array_join(F.slice(lines, start, end - start), "\n"), CONTINUES, "")
        well_formed = F.when(F.length(text) <= MAX_JOINED_CHARS, text.rlike(_record_pattern(width, delimiter, quote)))
        separate = F.transform(
            F.sequence(start, end - 1),
            lambda j: F.concat(
                j.cast("string"), F.lit(NUMBERED), F.regexp_replace(F.element_at(lines, j), CONTINUES, "")
            ),
        )
        joined = F.array(F.concat(start.cast("string"), F.lit(NUMBERED), text))
        return F.when((end - start == 1) | F.coalesce(well_formed, F.lit(False)), joined).otherwise(separate)

    return F.flatten(F.transform(starts, record))


def read_records(spark: SparkSession, files: Sequence[str], width: int, delimiter: str, quote: str) -> DataFrame:
    """One row per non-blank CSV record: (_source_file, _line [1-based, its first line], _raw). Files
    without a line break inside quotes take the plain per-line path (``posexplode`` of their lines)."""
    whole = spark.read.text(list(files), wholetext=True).select(
        F.col("_metadata.file_path").alias("_source_file"),
        _mark_quoted_breaks(F.col("value"), quote).alias("_text"),
    )
    split = whole.select(
        "_source_file",
        (F.instr("_text", CONTINUES) > 0).alias("_joins"),
        F.split("_text", LINE_BREAK).alias("_lines"),
    )
    joins, lines = F.col("_joins"), F.col("_lines")
    items = F.when(joins, _joined_records(lines, width, delimiter, quote)).otherwise(lines)
    out = split.select("_source_file", "_joins", F.posexplode(items).alias("_pos", "_item"))
    item = F.col("_item")
    line = F.when(joins, F.substring_index(item, NUMBERED, 1).cast("long")).otherwise(F.col("_pos") + 1)
    raw = F.when(joins, F.expr("substring(_item, instr(_item, chr(3)) + 1)")).otherwise(item)  # chr(3): NUMBERED
    return out.select("_source_file", line.alias("_line"), raw.alias("_raw")).where(_not_blank(F.col("_raw")))


def _field_count(raw: Column, delimiter: str, quote: str) -> Column:
    """Number of fields in a line. Only lines holding a quote pay for removing quoted sections."""
    q, d = re.escape(quote), re.escape(delimiter)
    unquoted = F.regexp_replace(raw, f"{q}(?:[^{q}]++|{q}{q})*+{q}", "x")  # possessive: no recursion per character
    return F.size(F.split(F.when(F.instr(raw, quote) > 0, unquoted).otherwise(raw), d, -1))


def _unbalanced_quote(raw: Column, quote: str) -> Column:
    quotes = F.length(raw) - F.length(F.replace(raw, F.lit(quote), F.lit("")))
    return (F.instr(raw, quote) > 0) & (quotes % 2 == 1)


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
        F.when(_unbalanced_quote(F.col("_raw"), reader.quote), F.lit("malformed: unbalanced quote")),
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
