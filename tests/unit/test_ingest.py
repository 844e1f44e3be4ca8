"""Line-level parsing: every line ends loaded or with named reasons, and keeps its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from spark_apps import ingest
from spark_apps.config import SourceContract, load_contracts
from spark_apps.layout import plan_layout, split_header

pytestmark = pytest.mark.spark

CUSTOMERS = load_contracts()["customers"]


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return str(path)


def parse(spark, contract, *paths: str):
    groups: dict = {}
    for p in paths:
        header = Path(p).read_text(encoding="utf-8").splitlines()[0]
        layout = plan_layout(contract, split_header(header, ",", '"'))
        groups.setdefault(layout, []).append(p)
    rows = ingest.parse_batch(spark, contract, groups).orderBy("_source_file", "_line").collect()
    return {(Path(r["_source_file"]).name, r["_line"]): r for r in rows}


def test_plan_layout_maps_case_and_aliases_and_keeps_extras():
    layout = plan_layout(CUSTOMERS, ("CUST_ID", "Email_Address", "loyalty"))

    assert layout.mapping == ((0, "customer_id"), (1, "email"))
    assert layout.extras == ((2, "loyalty"),)
    assert layout.file_errors == ()


def test_plan_layout_flags_missing_required_column():
    layout = plan_layout(CUSTOMERS, ("first_name", "email"))

    assert layout.file_errors == ("file: required column 'customer_id' is missing from the header",)


def test_valid_rows_are_typed_with_both_date_formats(spark, tmp_path):
    f = write(tmp_path, "a.csv", 'customer_id,first_name,signup_date\n1,Ann,2026-01-02\n2,"Bo, B",03/01/2026\n')

    rows = parse(spark, CUSTOMERS, f)

    assert rows[("a.csv", 2)]["_reasons"] == []
    assert rows[("a.csv", 2)]["signup_date"].isoformat() == "2026-01-02"
    assert rows[("a.csv", 3)]["first_name"] == "Bo, B"
    assert rows[("a.csv", 3)]["signup_date"].isoformat() == "2026-01-03"


def test_each_bad_line_gets_its_own_reasons_and_line_number(spark, tmp_path):
    f = write(
        tmp_path,
        "b.csv",
        "customer_id,first_name,signup_date\n"
        "abc,A,2026-01-01\n"  # line 2: wrong type
        ",B,2026-01-01\n"  # line 3: required value missing
        '4,"unclosed,2026-01-01\n'  # line 4: unbalanced quote
        "5,E,2026-01-01,surplus\n"  # line 5: too many fields
        "6,F,31/31/2026\n"  # line 6: unparseable date
        "7,G\n",  # line 7: too few fields
    )

    rows = parse(spark, CUSTOMERS, f)

    assert rows[("b.csv", 2)]["_reasons"] == ["customer_id: cannot parse 'abc' as long"]
    assert rows[("b.csv", 3)]["_reasons"] == ["customer_id: required value is missing"]
    assert rows[("b.csv", 4)]["_reasons"] == ["malformed: unbalanced quote"]
    assert rows[("b.csv", 5)]["_reasons"] == ["malformed: expected 3 fields, found 4"]
    assert rows[("b.csv", 6)]["_reasons"] == ["signup_date: cannot parse '31/31/2026' as date"]
    assert rows[("b.csv", 7)]["_reasons"] == ["malformed: expected 3 fields, found 2"]


def test_cr_only_and_crlf_endings_give_the_same_rows(spark, tmp_path):
    lf = write(tmp_path, "lf.csv", "customer_id,first_name\n1,A\n2,B\n")
    cr = write(tmp_path, "cr.csv", "customer_id,first_name\r1,A\r2,B\r")
    crlf = write(tmp_path, "crlf.csv", "customer_id,first_name\r\n1,A\r\n2,B\r\n")

    rows = parse(spark, CUSTOMERS, lf, cr, crlf)

    for name in ("lf.csv", "cr.csv", "crlf.csv"):
        assert [rows[(name, i)]["first_name"] for i in (2, 3)] == ["A", "B"]
        assert all(rows[(name, i)]["_reasons"] == [] for i in (2, 3))
    assert len(rows) == 6


def test_files_with_different_headers_load_side_by_side(spark, tmp_path):
    a = write(tmp_path, "a.csv", "customer_id,email\n1,a@x\n")
    b = write(tmp_path, "b.csv", "EMAIL,Cust_Id,loyalty\nb@x,2,gold\n")

    rows = parse(spark, CUSTOMERS, a, b)

    assert (rows[("a.csv", 2)]["customer_id"], rows[("a.csv", 2)]["email"]) == (1, "a@x")
    assert (rows[("b.csv", 2)]["customer_id"], rows[("b.csv", 2)]["email"]) == (2, "b@x")
    assert rows[("b.csv", 2)]["_extra"] == {"loyalty": "gold"}
    assert rows[("a.csv", 2)]["_extra"] is None


def test_a_file_missing_a_required_column_quarantines_every_row(spark, tmp_path):
    f = write(tmp_path, "c.csv", "first_name,email\nA,a@x\nB,b@x\n")

    rows = parse(spark, CUSTOMERS, f)

    assert [r["_reasons"] for r in rows.values()] == [
        ["file: required column 'customer_id' is missing from the header"]
    ] * 2


def test_long_values_are_shortened_in_reasons(spark, tmp_path):
    f = write(tmp_path, "d.csv", f"customer_id,first_name\n{'9' * 300}x,A\n")

    (row,) = parse(spark, CUSTOMERS, f).values()

    assert row["_reasons"] == [f"customer_id: cannot parse '{'9' * 80}…' as long"]


def test_raw_and_quarantine_split_conserves_rows(spark, tmp_path):
    f = write(tmp_path, "e.csv", "customer_id,first_name\n1,A\nx,B\n3,C\n")
    groups = {plan_layout(CUSTOMERS, ("customer_id", "first_name")): [f]}
    batch = ingest.with_audit(ingest.parse_batch(spark, CUSTOMERS, groups), "customers/d", "2026-01-01", "run1")

    raw, quarantined = ingest.raw_rows(batch, CUSTOMERS), ingest.quarantine_rows(batch)

    assert raw.count() == 2
    assert [(r["_line"], r["_raw"]) for r in quarantined.collect()] == [(3, "x,B")]
    assert {"_batch_id", "_source_file", "_line", "_ingested_at", "_ingest_date", "_run_id"} <= set(raw.columns)


def test_numbers_the_declared_type_cannot_hold_exactly_are_refused_not_rounded(spark, tmp_path):
    # given transactions whose quantity is not whole and whose amounts have more decimals than decimal(12,2)
    contract = load_contracts()["transactions"]
    header = "transaction_id,customer_id,product_id,quantity,amount,transaction_date,territory\n"
    path = write(
        tmp_path,
        "t.csv",
        header
        + "T1,1,P1,2,12.50,2026-01-01,Europe\n"  # exact
        + "T2,1.7,P1,2,12.5000,2026-01-01,Europe\n"  # id not whole; trailing zeros are exact
        + "T3,1,P1,2.9,12.345,2026-01-01,Europe\n"  # neither
        + "T4,1,P1,3,0.005,2026-01-01,Europe\n",
    )

    # when they are parsed and typed
    rows = parse(spark, contract, path)

    # then only exact values load; the others name the value and the type instead of becoming 1, 2, 12.35, 0.01
    assert [rows[("t.csv", n)]["_reasons"] for n in (2, 3, 4, 5)] == [
        [],
        ["customer_id: cannot parse '1.7' as long"],
        ["quantity: cannot parse '2.9' as int", "amount: cannot parse '12.345' as decimal(12,2)"],
        ["amount: cannot parse '0.005' as decimal(12,2)"],
    ]
    assert str(rows[("t.csv", 3)]["amount"]) == "12.50"


def test_dates_outside_the_source_window_and_strings_over_the_default_bound_are_quarantined(spark, tmp_path):
    # given customers with an ancient and a far-future signup date and a 300-character email
    path = write(
        tmp_path,
        "c.csv",
        "customer_id,email,signup_date\n"
        + "1,a@x.com,2026-01-01\n"
        + "2,b@x.com,0001-01-01\n"
        + "3,c@x.com,9999-12-31\n"
        + f"4,{'e' * 300}@x.com,2026-01-01\n",
    )

    rows = parse(spark, CUSTOMERS, path)

    assert [rows[("c.csv", n)]["_reasons"] for n in (2, 3, 4, 5)] == [
        [],
        ["signup_date: '0001-01-01' is outside 1900-01-01 .. 2100-12-31"],
        ["signup_date: '9999-12-31' is outside 1900-01-01 .. 2100-12-31"],
        ["email: longer than 256 characters (306)"],
    ]


ORDER_LINES = SourceContract.model_validate(
    {
        "name": "order_lines",
        "columns": [
            {"name": "order_number", "type": "long", "nullable": False, "aliases": ["ORDERNUMBER"]},
            {"name": "order_line_number", "type": "int", "aliases": ["ORDERLINENUMBER"]},
            {"name": "region", "coalesce_of": ["county", "province", "state"]},
            {"name": "sales", "type": "decimal(12,2)"},
        ],
        "derived": [
            {"name": "order_line_id", "expression": "concat(order_number, '-', order_line_number)"},
        ],
        "primary_key": ["order_line_id"],
    }
)


def test_a_column_takes_the_first_non_empty_of_its_alternatives_even_when_a_file_has_several(spark, tmp_path):
    # given one file carrying county and state, another carrying only province
    a = write(
        tmp_path, "a.csv", "ORDERNUMBER,ORDERLINENUMBER,state,county,sales\n1,1,Texas,Kent,1.00\n1,2,Texas,,2.00\n"
    )
    b = write(tmp_path, "b.csv", "ORDERNUMBER,ORDERLINENUMBER,province,sales\n2,1,Ontario,3.00\n2,2,,4.00\n")

    # when parsed
    rows = parse(spark, ORDER_LINES, a, b)

    # then county wins over state where both are given, and an empty alternative falls through
    assert [rows[k]["region"] for k in sorted(rows)] == ["Kent", "Texas", "Ontario", None]
    assert all(r["_reasons"] == [] for r in rows.values())
    # and a column with plain aliases still refuses a header naming it twice
    assert plan_layout(CUSTOMERS, ("customer_id", "cust_id")).file_errors == (
        "file: column 'customer_id' appears twice in the header",
    )


def test_a_derived_composite_key_tells_order_lines_apart_and_a_missing_part_is_a_reason(spark, tmp_path):
    # given two lines of one order, the second repeated, and a line without its line number
    f = write(
        tmp_path,
        "a.csv",
        "ORDERNUMBER,ORDERLINENUMBER,sales\n10100,1,5.00\n10100,2,6.00\n10100,2,6.00\n10101,,7.00\n",
    )

    # when parsed and checked for repeated keys in the batch
    layout = plan_layout(ORDER_LINES, split_header(Path(f).read_text().splitlines()[0], ",", '"'))
    batch = ingest.with_audit(
        ingest.parse_batch(spark, ORDER_LINES, {layout: [f]}), "order_lines/1", "2026-01-01", "r1"
    )
    rows = {r["_line"]: r for r in ingest.mark_duplicate_keys(batch, ORDER_LINES.primary_key).collect()}

    # then each line of the order has its own key, only the repeat is refused, and a null key is a reason
    assert (rows[2]["order_line_id"], rows[3]["order_line_id"]) == ("10100-1", "10100-2")
    assert rows[2]["_reasons"] == rows[3]["_reasons"] == []
    assert rows[4]["_reasons"] == [f"duplicate primary key (order_line_id): first seen at file:{f}:3"]
    assert rows[5]["_reasons"] == ["order_line_id: derived key is null (concat(order_number, '-', order_line_number))"]
    # and raw keeps the derived column
    assert ingest.raw_ddl(ORDER_LINES).startswith(
        "order_number long, order_line_number int, region string, sales decimal(12,2), order_line_id string,"
    )


@pytest.fixture
def tiny_splits(spark):
    """Spark reads files in 16-byte splits, several per partition: every file here is many splits."""
    before = {k: spark.conf.get(k) for k in ("spark.sql.files.maxPartitionBytes", "spark.sql.files.openCostInBytes")}
    spark.conf.set("spark.sql.files.maxPartitionBytes", "16")
    spark.conf.set("spark.sql.files.openCostInBytes", "0")
    yield
    for k, v in before.items():
        spark.conf.set(k, v)


def test_lines_read_in_many_splits_keep_their_exact_file_line_numbers(spark, tmp_path, tiny_splits):
    # Given two files of mixed endings (LF, CRLF, a lone CR) and blank lines, far longer than a split
    a = "".join(f"a{i:03d}" + ("\r\n" if i % 3 else "\n") + ("\n" if i % 7 == 0 else "") for i in range(1, 121))
    b = "h\rb1\rb2\r\rb3\r"
    fa, fb = write(tmp_path, "a.csv", a), write(tmp_path, "b.csv", b)

    # When they are read as lines
    lines = ingest.numbered_lines(spark, [fa, fb])
    got = {(Path(r._source_file).name, r._line, r._raw) for r in lines.collect()}

    # Then each line, blank ones too, carries the number an editor shows, in each file
    assert spark.read.text([fa]).rdd.getNumPartitions() > 10
    expected_a = {("a.csv", n, text) for n, text in enumerate(a.replace("\r\n", "\n").split("\n")[:-1], start=1)}
    expected_b = {("b.csv", n, text) for n, text in enumerate(b.split("\r")[:-1], start=1)}
    assert got == expected_a | expected_b
    assert len(got) == lines.count()


def test_a_quoted_record_across_split_boundaries_is_one_row_and_a_stray_quote_only_its_line(
    spark, tmp_path, tiny_splits
):
    # Given multi-line quoted records spread over many splits, and later a stray quote
    body = (
        "id,note,day\n"
        '1,"first\nsecond\r\nthird ""q""",2026-01-01\n'
        "2,plain,2026-01-02\n"
        '3,"x,\ny",2026-01-03\n'
        '4,"stray,2026-01-04\n'
        "5,after,2026-01-05\n"
    )
    f = write(tmp_path, "q.csv", body)
    plain = write(tmp_path, "p.csv", "id,note,day\n6,p,2026-01-06\n")

    # When the files are read as CSV records of three fields
    records = ingest.read_records(spark, [f, plain], 3, ",", '"')
    got = sorted((Path(r._source_file).name, r._line, r._raw) for r in records.collect())

    # Then each quoted record is one row numbered by its first line, the stray quote's line stands alone
    assert got == [
        ("p.csv", 1, "id,note,day"),
        ("p.csv", 2, "6,p,2026-01-06"),
        ("q.csv", 1, "id,note,day"),
        ("q.csv", 2, '1,"first\nsecond\nthird ""q""",2026-01-01'),
        ("q.csv", 5, "2,plain,2026-01-02"),
        ("q.csv", 6, '3,"x,\ny",2026-01-03'),
        ("q.csv", 8, '4,"stray,2026-01-04'),
        ("q.csv", 9, "5,after,2026-01-05"),
    ]
