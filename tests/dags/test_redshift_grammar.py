"""Every statement a Redshift load sends, parsed as Redshift SQL (sqlglot's `redshift` dialect) and held
to the rules of Redshift's documented grammar that PostgreSQL, which the load's SQL also runs on, would
not enforce:

- MERGE (docs.aws.amazon.com/redshift/latest/dg/r_MERGE.html): ``MERGE INTO target_table USING
  source_table [[AS] alias] ON …``: no alias on the target; the source is a table, not a subquery; both
  ``WHEN MATCHED`` and ``WHEN NOT MATCHED`` (unless REMOVE DUPLICATES).
- COPY from columnar data (copy-usage_notes-copy-from-columnar.html): only ACCEPTINVCHARS, FILLRECORD,
  FROM, IAM_ROLE, CREDENTIALS, STATUPDATE, MANIFEST and EXPLICIT_IDS; REGION is refused.
"""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from lakehouse.redshift_load import load_statements
from lakehouse.warehouse import ddl, reconcile_sql, staging_table, table_totals_sql
from spark_apps.config import load_env, load_warehouse_tables

COLUMNAR_COPY_PARAMETERS = {"ACCEPTINVCHARS", "FILLRECORD", "STATUPDATE", "MANIFEST", "EXPLICIT_IDS", "FORMAT"}
ROLE = "arn:aws:iam::123456789012:role/lakehouse-redshift-copy"
TABLES = load_warehouse_tables().tables


def parse(sql: str) -> exp.Expression:
    """One statement in Redshift's grammar; sqlglot's fallback for what it cannot parse (Command) fails."""
    (statement,) = sqlglot.parse(sql, read="redshift", error_level=sqlglot.ErrorLevel.RAISE)
    assert statement is not None and not isinstance(statement, exp.Command), f"not parsed as Redshift SQL: {sql}"
    return statement


def grammar_violations(statement: exp.Expression) -> list[str]:
    """The documented Redshift rules this statement breaks."""
    problems = []
    if isinstance(statement, exp.Merge):
        if statement.this.alias:
            problems.append(f"MERGE target has an alias ({statement.this.alias})")
        if not isinstance(statement.args["using"], exp.Table):
            problems.append("MERGE source is not a table")
        whens = [w.args.get("matched") for w in statement.args["whens"].expressions]
        if sorted(whens) != [False, True]:
            problems.append(f"MERGE needs exactly one WHEN MATCHED and one WHEN NOT MATCHED, got {whens}")
    if isinstance(statement, exp.Copy):
        params = {p.this.name.upper(): p for p in statement.args.get("params") or []}
        fmt = params.get("FORMAT")
        if fmt is not None and fmt.expression.name.upper() == "PARQUET":
            if set(params) - COLUMNAR_COPY_PARAMETERS:
                problems.append(f"columnar COPY refuses {sorted(set(params) - COLUMNAR_COPY_PARAMETERS)}")
            credentials = statement.args.get("credentials")
            if credentials is not None and credentials.args.get("region") is not None:
                problems.append("columnar COPY refuses REGION")
    return problems


def export_manifest(table: str) -> dict:
    """A manifest as export_gold writes it, with the columns of the table's Redshift DDL."""
    create = parse(ddl(table, "analytics", dialect="redshift"))
    columns = [c.name for c in create.this.expressions if isinstance(c, exp.ColumnDef)]
    spec = TABLES[table]
    path = f"s3://acme-lakehouse/prod/exports/{table}/scheduled__2026-01-01"
    return {
        "table": table,
        "path": path,
        "rows": 3,
        "keys": spec.keys,
        "measures": dict.fromkeys(spec.measures, "1.50"),
        "columns": columns,
        "export": spec.export,
        "copy_manifest": f"s3a://acme-lakehouse/prod/exports/{table}/scheduled__2026-01-01/_copy.manifest",
    }


@pytest.mark.parametrize("export", ["full", "changes"])
@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_statement_of_every_table_load_is_valid_redshift(table, export):
    sql = load_statements({**export_manifest(table), "export": export}, "analytics", ROLE)

    statements = [parse(s) for kind in ("prepare", "copy", "merge") for s in sql[kind]]

    assert {type(s).__name__ for s in statements} >= {"Create", "Copy", "Merge", "Select"}
    assert [p for s in statements for p in grammar_violations(s)] == []


@pytest.mark.parametrize("table", sorted(TABLES))
def test_the_reconcile_tasks_queries_are_valid_redshift(table):
    # the exported keys' counts and sums, then the whole table's (drift), as the reconcile task sends them
    spec, target = TABLES[table], f"analytics.{table}"
    queries = [
        reconcile_sql(target, f"analytics.{staging_table(table)}", spec.keys, spec.measures),
        table_totals_sql(target, spec.measures),
    ]

    statements = [parse(q) for q in queries]

    assert [type(s).__name__ for s in statements] == ["Select", "Select"]
    assert statements[1].sql(dialect="redshift").startswith("SELECT COUNT(*) AS n")


def test_the_copy_reads_only_the_part_files_listed_in_the_export_manifest_with_the_iam_role():
    (copy,) = load_statements(export_manifest("fact_transactions"), "analytics", ROLE)["copy"]

    statement = parse(copy)

    assert statement.this.sql("redshift") == "analytics.stg_fact_transactions"
    assert [f.name for f in statement.args["files"]] == [
        "s3://acme-lakehouse/prod/exports/fact_transactions/scheduled__2026-01-01/_copy.manifest"
    ]
    assert statement.args["credentials"].args["iam_role"].name == ROLE
    assert sorted(p.this.name.upper() for p in statement.args["params"]) == ["FORMAT", "MANIFEST"]


def test_the_merge_qualifies_target_columns_by_the_table_name():
    statements = [
        parse(s) for s in load_statements(export_manifest("regional_performance"), "analytics", ROLE)["merge"]
    ]
    (merge,) = [s for s in statements if isinstance(s, exp.Merge)]

    on = merge.args["on"].sql("redshift")
    assert on == (
        "analytics.regional_performance.month = s.month AND analytics.regional_performance.territory = s.territory"
    )


# The checker itself: each rule rejects the statement the issue found (a rule that cannot fail proves nothing).
@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        (
            "MERGE INTO a.t AS t USING a.s AS s ON t.k = s.k WHEN MATCHED THEN UPDATE SET v = s.v "
            "WHEN NOT MATCHED THEN INSERT (k, v) VALUES (s.k, s.v)",
            "MERGE target has an alias (t)",
        ),
        (
            "MERGE INTO a.t USING a.s AS s ON a.t.k = s.k WHEN NOT MATCHED THEN INSERT (k) VALUES (s.k)",
            "MERGE needs exactly one WHEN MATCHED and one WHEN NOT MATCHED, got [False]",
        ),
        (
            "MERGE INTO a.t USING (SELECT k FROM a.s) AS s ON a.t.k = s.k WHEN MATCHED THEN UPDATE SET k = s.k "
            "WHEN NOT MATCHED THEN INSERT (k) VALUES (s.k)",
            "MERGE source is not a table",
        ),
        (
            "COPY a.s FROM 's3://b/k/' credentials 'aws_iam_role=arn:aws:iam::1:role/r' region 'eu-west-1' "
            "FORMAT AS PARQUET",
            "columnar COPY refuses REGION",
        ),
        (
            "COPY a.s FROM 's3://b/k/' IAM_ROLE 'arn:aws:iam::1:role/r' FORMAT AS PARQUET TIMEFORMAT 'auto'",
            "columnar COPY refuses ['TIMEFORMAT']",
        ),
    ],
)
def test_the_grammar_rules_reject_what_redshift_refuses(sql, problem):
    assert grammar_violations(parse(sql)) == [problem]


def test_a_redshift_target_without_a_copy_role_is_refused_at_config_load(monkeypatch):
    from spark_apps.config import WarehouseConfig

    with pytest.raises(ValueError, match="target 'redshift' needs 'copy_iam_role'"):
        WarehouseConfig(target="redshift", conn_id="redshift_default")
    assert load_env("prod").warehouse.copy_iam_role == ROLE


def test_a_table_declared_in_yaml_only_gets_a_valid_redshift_load_from_its_export():
    # given a new domain's table with no DDL template: its export lists the columns' Spark types
    manifest = {
        "table": "shop_order_lines",
        "path": "s3://acme-lakehouse/prod/exports/shop_order_lines/r1",
        "rows": 3,
        "keys": ["order_number", "order_line_number"],
        "measures": {"amount": "1.50"},
        "columns": ["order_number", "order_line_number", "region", "amount", "ordered_on", "shipped"],
        "column_types": {
            "order_number": "bigint",
            "order_line_number": "int",
            "region": "string",
            "amount": "decimal(12,2)",
            "ordered_on": "date",
            "shipped": "boolean",
        },
        "export": "full",
        "copy_manifest": "s3a://acme-lakehouse/prod/exports/shop_order_lines/r1/_copy.manifest",
    }

    # when its load statements are rendered
    sql = load_statements(manifest, "analytics", ROLE)
    statements = [parse(s) for kind in ("prepare", "copy", "merge") for s in sql[kind]]

    # then every statement is valid Redshift, and the table is keyed, distributed and sorted by its keys
    assert [p for s in statements for p in grammar_violations(s)] == []
    create = next(s for s in statements if isinstance(s, exp.Create) and "shop_order_lines" in s.this.sql())
    types = {c.name: c.args["kind"].sql("redshift") for c in create.this.expressions if isinstance(c, exp.ColumnDef)}
    assert types == {
        "order_number": "BIGINT",
        "order_line_number": "INTEGER",
        "region": "VARCHAR(256)",
        "amount": "DECIMAL(12, 2)",
        "ordered_on": "DATE",
        "shipped": "BOOLEAN",
    }
    assert "DISTKEY(order_number)" in create.sql("redshift").replace(" (", "(")
