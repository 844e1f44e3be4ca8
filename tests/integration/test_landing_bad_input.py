"""Every kind of bad input, each with its exact outcome: row loaded, row quarantined, or file quarantined.

Each test lands files for its own source, runs validation and the Spark ingest as the DAG does, and
(in the `run` helper) asserts rows read = rows loaded + rows quarantined against the Iceberg tables.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.landing_helpers import fresh_contract, land, run

pytestmark = pytest.mark.spark
D = "2026-05-01"
HEADER = b"customer_id,first_name,signup_date\n"


@pytest.fixture
def lake(test_env) -> Path:
    return Path(test_env.lake.root)


@pytest.fixture
def ingest(spark, table_io, test_env):
    return lambda contract, **kw: run(spark, table_io, test_env, contract, **{"dates": [D], **kw})


def test_malformed_line_with_too_many_fields_is_quarantined(lake, ingest):
    c = fresh_contract()
    land(lake, c, D, {"a.csv": HEADER + b"1,Ann,2026-01-01\n2,Bo,2026-01-01,surplus\n"})

    out = ingest(c)

    assert (out.result.rows_loaded, out.result.rows_quarantined) == (1, 1)
    assert out.quarantine[0]["_line"] == 3
    assert out.quarantine[0]["_raw"] == "2,Bo,2026-01-01,surplus"
    assert out.quarantine_reasons() == [["malformed: expected 3 fields, found 4"]]


def test_unbalanced_quote_quarantines_only_its_line(lake, ingest):
    c = fresh_contract()
    land(lake, c, D, {"a.csv": HEADER + b'1,"Ann,2026-01-01\n2,"Bo, B",2026-01-01\n'})

    out = ingest(c)

    assert [r["first_name"] for r in out.raw] == ["Bo, B"]
    assert out.quarantine_reasons() == [["malformed: unbalanced quote"]]


def test_a_quoted_field_with_line_breaks_is_one_row_numbered_by_its_first_line(lake, ingest):
    # Given records whose quoted first_name spans two and three lines (LF, and CRLF inside the quotes)
    c = fresh_contract()
    body = (
        HEADER
        + b'1,"Ann\nMarie",2026-01-01\n2,Bo,2026-01-02\n'
        + b'3,"Cy\r\nDe ""D""\r\nEd",2026-01-03\n4,Di,2026-01-04\n'
    )
    land(lake, c, D, {"a.csv": body})

    # When the batch is ingested
    out = ingest(c)

    # Then each record is one row, numbered by the line it starts on, its line breaks kept as LF
    assert sorted((r["customer_id"], r["first_name"], r["_line"]) for r in out.raw) == [
        (1, "Ann\nMarie", 2),
        (2, "Bo", 4),
        (3, 'Cy\nDe "D"\nEd', 5),
        (4, "Di", 8),
    ]
    assert (out.result.rows_read, out.result.rows_quarantined) == (4, 0)


def test_stray_quotes_on_two_lines_quarantine_those_lines_and_keep_the_one_between(lake, ingest):
    # Given two lines with a stray quote each, and a good line between them
    c = fresh_contract()
    land(lake, c, D, {"a.csv": HEADER + b'1,"Ann,2026-01-01\n2,Bo,2026-01-02\n3,"Cy,2026-01-03\n'})

    # When the batch is ingested
    out = ingest(c)

    # Then the lines are not joined into one record (it would not be a well-formed row): each stray
    # quote's line is quarantined, the line between loads
    assert [(r["customer_id"], r["_line"]) for r in out.raw] == [(2, 3)]
    assert [(r["_line"], r["_reasons"]) for r in sorted(out.quarantine, key=lambda r: r["_line"])] == [
        (2, ["malformed: unbalanced quote"]),
        (4, ["malformed: unbalanced quote"]),
    ]


def test_extra_columns_are_kept_in_extra(lake, ingest):
    c = fresh_contract()
    land(lake, c, D, {"a.csv": b"customer_id,first_name,loyalty_tier\n1,Ann,gold\n"})

    out = ingest(c)

    assert out.raw[0]["_extra"] == {"loyalty_tier": "gold"}
    assert out.manifest["a.csv"]["status"] == "loaded"


def test_extra_columns_reject_the_file_when_the_policy_says_so(lake, ingest, test_env):
    c = fresh_contract()
    c = c.model_copy(update={"drift": c.drift.model_copy(update={"extra_columns": "reject"})})
    land(lake, c, D, {"a.csv": b"customer_id,first_name,loyalty_tier\n1,Ann,gold\n"})

    out = ingest(c)

    assert out.raw == [] and out.quarantine == []
    assert out.manifest["a.csv"]["status"] == "rejected"
    assert out.reasons_json["files"][0]["reason"] == "unexpected column 'loyalty_tier'"
    assert (lake / "quarantine" / "files" / c.name / D / "a.csv").is_file()
    assert not (lake / "landing" / c.name / D / "a.csv").exists()


def test_missing_optional_columns_become_null(lake, ingest):
    c = fresh_contract()
    land(lake, c, D, {"a.csv": b"customer_id\n7\n"})

    out = ingest(c)

    assert (out.raw[0]["customer_id"], out.raw[0]["email"], out.raw[0]["signup_date"]) == (7, None, None)


def test_missing_required_column_quarantines_the_file(lake, ingest):
    c = fresh_contract()
    land(lake, c, D, {"bad.csv": b"first_name,email\nAnn,a@x\n", "good.csv": HEADER + b"1,Bo,2026-01-01\n"})

    out = ingest(c)

    assert [r["first_name"] for r in out.raw] == ["Bo"]  # the other file of the batch still loads
    assert out.manifest["bad.csv"]["status"] == "rejected"
    assert out.manifest["bad.csv"]["rows_read"] is None
    assert out.reasons_json["files"][0]["reason"] == "required column 'customer_id' is missing from the header"
    assert out.result.files_rejected == 1


def test_columns_in_another_order_and_case_load_by_name(lake, ingest):
    c = fresh_contract()
    land(lake, c, D, {"a.csv": b"SIGNUP_DATE,First_Name,Customer_Id\n2026-01-02,Ann,5\n"})

    out = ingest(c)

    row = out.raw[0]
    assert (row["customer_id"], row["first_name"], row["signup_date"].isoformat()) == (5, "Ann", "2026-01-02")


def test_a_column_renamed_through_an_alias_loads(lake, ingest):
    c = fresh_contract()
    land(lake, c, D, {"a.csv": b"cust_id,email_address,region\n9,z@x,Europe\n"})

    out = ingest(c)

    assert (out.raw[0]["customer_id"], out.raw[0]["email"], out.raw[0]["territory"]) == (9, "z@x", "Europe")


def test_wrong_types_are_quarantined_with_the_value_and_type(lake, ingest):
    c = fresh_contract()
    land(lake, c, D, {"a.csv": HEADER + b"12x,Ann,2026-01-01\n"})

    out = ingest(c)

    assert out.quarantine_reasons() == [["customer_id: cannot parse '12x' as long"]]


def test_very_long_strings_load_intact_within_the_sources_bound(lake, ingest):
    # given a source whose strings may be long (the default bound is 256 characters)
    c = fresh_contract()
    c = c.model_copy(update={"bounds": c.bounds.model_copy(update={"max_string_length": 200_000})})
    land(lake, c, D, {"a.csv": HEADER + b"1," + b"x" * 100_000 + b",2026-01-01\n"})

    out = ingest(c)

    assert len(out.raw[0]["first_name"]) == 100_000


def test_a_string_over_the_default_bound_is_quarantined_with_its_length(lake, ingest):
    c = fresh_contract()
    land(lake, c, D, {"a.csv": HEADER + b"1," + b"x" * 100_000 + b",2026-01-01\n2,Bo,2026-01-01\n"})

    out = ingest(c)

    assert [r["customer_id"] for r in out.raw] == [2]
    assert out.quarantine_reasons() == [["first_name: longer than 256 characters (100000)"]]


def test_strings_over_a_declared_max_length_are_quarantined(lake, ingest):
    base = fresh_contract()
    cols = [col.model_copy(update={"max_length": 50}) if col.name == "first_name" else col for col in base.columns]
    c = base.model_copy(update={"columns": cols})
    land(lake, c, D, {"a.csv": HEADER + b"1," + b"x" * 51 + b",2026-01-01\n2,Bo,2026-01-01\n"})

    out = ingest(c)

    assert out.quarantine_reasons() == [["first_name: longer than 50 characters (51)"]]
    assert out.result.rows_loaded == 1


def test_an_empty_file_is_quarantined(lake, ingest):
    c = fresh_contract()
    land(lake, c, D, {"empty.csv": b""})

    out = ingest(c)

    assert out.manifest["empty.csv"]["status"] == "rejected"
    assert out.reasons_json["files"][0]["reason"] == "empty file"


def test_a_header_only_file_loads_zero_rows(lake, ingest):
    c = fresh_contract()
    land(lake, c, D, {"h.csv": HEADER})

    out = ingest(c)

    assert out.manifest["h.csv"]["status"] == "no_rows"
    assert (out.result.rows_read, out.result.rows_loaded) == (0, 0)
    assert out.reasons_json is None


def test_non_utf8_bytes_quarantine_the_file_naming_the_offset(lake, ingest):
    c = fresh_contract()
    land(lake, c, D, {"latin1.csv": HEADER + "1,Jos\u00e9,2026-01-01\n".encode("latin-1")})

    out = ingest(c)

    offset = len(HEADER) + len(b"1,Jos")
    assert out.reasons_json["files"][0]["reason"] == f"not valid UTF-8: byte 0xe9 at offset {offset}"
    assert out.manifest["latin1.csv"]["status"] == "rejected"


def test_cr_only_and_crlf_files_load_like_lf(lake, ingest):
    c = fresh_contract()
    body = "customer_id,first_name\n1,Ann\n2,Bo\n"
    land(
        lake,
        c,
        D,
        {
            "cr.csv": body.replace("\n", "\r").encode(),
            "crlf.csv": body.replace("\n", "\r\n").replace("1,Ann", "3,Cy").replace("2,Bo", "4,Di").encode(),
        },
    )

    out = ingest(c)

    assert sorted((r["customer_id"], r["first_name"], r["_line"]) for r in out.raw) == [
        (1, "Ann", 2),
        (2, "Bo", 3),
        (3, "Cy", 2),
        (4, "Di", 3),
    ]


def test_blank_lines_of_spaces_or_tabs_are_not_rows(lake, ingest):
    # Given rows separated by an empty line, a line of spaces and a line of tabs
    c = fresh_contract()
    land(lake, c, D, {"a.csv": HEADER + b"1,Ann,2026-01-01\n\n   \n\t\t\n2,Bo,2026-01-02\n\n"})

    # When the batch is ingested
    out = ingest(c)

    # Then only the two rows are read, with their own line numbers
    assert sorted((r["customer_id"], r["_line"]) for r in out.raw) == [(1, 2), (2, 6)]
    assert (out.result.rows_read, out.result.rows_quarantined) == (2, 0)


def test_the_same_file_delivered_twice_loads_once(lake, ingest, spark, table_io, test_env):
    c = fresh_contract()
    content = HEADER + b"1,Ann,2026-01-01\n2,Bo,2026-01-01\n"
    land(lake, c, D, {"a.csv": content, "a_copy.csv": content})

    out = ingest(c)
    land(lake, c, "2026-05-02", {"a_again.csv": content})
    later = run(spark, table_io, test_env, c, dates=["2026-05-02"])

    assert out.result.rows_loaded == 2
    assert out.manifest["a_copy.csv"]["status"] == "skipped_duplicate"
    assert out.manifest["a_copy.csv"]["reason"].startswith("identical to already loaded")
    assert later.manifest["a_again.csv"]["status"] == "skipped_duplicate"
    assert len(later.raw) == 2
    assert later.result.files_skipped == 1


def test_duplicate_primary_keys_in_a_batch_keep_the_first(lake, ingest):
    c = fresh_contract()
    land(lake, c, D, {"a.csv": HEADER + b"1,Ann,2026-01-01\n1,Annie,2026-01-01\n"})

    out = ingest(c)

    assert [r["first_name"] for r in out.raw] == ["Ann"]
    (reasons,) = out.quarantine_reasons()
    assert reasons[0].startswith("duplicate primary key (customer_id): first seen at ")
    assert reasons[0].endswith("a.csv:2")


def test_a_date_column_in_two_formats_loads(lake, ingest):
    c = fresh_contract()
    land(lake, c, D, {"a.csv": HEADER + b"1,Ann,2026-01-31\n2,Bo,31/01/2026\n"})

    out = ingest(c)

    assert {r["signup_date"].isoformat() for r in out.raw} == {"2026-01-31"}
    assert out.quarantine == []


def test_regions_with_different_optional_columns_load_together(lake, ingest):
    c = fresh_contract()
    land(
        lake,
        c,
        D,
        {
            "eu.csv": b"customer_id,country,territory\n1,DE,Europe\n",
            "us.csv": b"customer_id,email,state\n2,b@x,CA\n",
        },
    )

    out = ingest(c)

    rows = {r["customer_id"]: r for r in out.raw}
    assert (rows[1]["country"], rows[1]["email"], rows[1]["_extra"]) == ("DE", None, None)
    assert (rows[2]["country"], rows[2]["email"], rows[2]["_extra"]) == (None, "b@x", {"state": "CA"})


def test_hidden_files_and_files_of_another_format_are_rejected_by_name_not_skipped(lake, ingest):
    # given a batch folder holding a good file, files Spark would skip, and a file of another format
    c = fresh_contract()
    good = HEADER + b"1,Ann,2026-01-01\n"
    land(lake, c, D, {"a.csv": good, "_part.csv": good, ".hidden.csv": good, "extra.json": b'{"customer_id": 2}\n'})

    # when the batch is validated and ingested
    out = ingest(c)

    # then each file is in the manifest under its own name: one loaded, three rejected with their reason
    assert {name: m["status"] for name, m in out.manifest.items()} == {
        "a.csv": "loaded",
        "_part.csv": "rejected",
        ".hidden.csv": "rejected",
        "extra.json": "rejected",
    }
    reasons = {f["file"]: f["reason"] for f in out.reasons_json["files"]}
    assert reasons == {
        "_part.csv": "hidden file: a name starting with '_' or '.' is never read by Spark",
        ".hidden.csv": "hidden file: a name starting with '_' or '.' is never read by Spark",
        "extra.json": "wrong format for this source: it loads csv files named *.csv",
    }
    assert sorted(p.name for p in (lake / "landing" / c.name / D).iterdir()) == ["a.csv"]
    assert (out.result.rows_read, out.result.rows_loaded, out.result.files_rejected) == (1, 1, 3)


def test_a_symlink_in_landing_is_rejected_and_its_target_never_read(lake, ingest, tmp_path):
    c = fresh_contract()
    outside = tmp_path / "secret.csv"
    outside.write_bytes(HEADER + b"9,Mallory,2026-01-01\n")
    land(lake, c, D, {"a.csv": HEADER + b"1,Ann,2026-01-01\n"})
    (lake / "landing" / c.name / D / "link.csv").symlink_to(outside)

    out = ingest(c)

    assert [r["customer_id"] for r in out.raw] == [1]
    assert out.manifest["link.csv"]["status"] == "rejected"
    assert out.reasons_json["files"][0]["reason"] == "symbolic link: landing loads regular files only"
    assert outside.is_file()  # the link moved to quarantine, not its target


def test_a_file_name_with_spaces_and_unicode_is_counted_under_its_own_name(lake, ingest):
    c = fresh_contract()
    land(lake, c, D, {"März export 1.csv": HEADER + b"1,Ann,2026-01-01\n2,Bo,2026-01-01\n"})

    out = ingest(c)

    manifest = out.manifest["März export 1.csv"]
    assert (manifest["status"], manifest["rows_read"], manifest["rows_loaded"]) == ("loaded", 2, 2)
