"""The fault campaign's catalogue: one landing file per kind of bad input, with the number of records
the platform must account for and the manifest status the file must get. Run as one batch by
``tests/integration/test_fault_catalogue.py`` (one test per fault) and by ``bench/faults.py`` (the
campaign's totals: lost rows, crashes, unaccounted files)."""

from __future__ import annotations

from dataclasses import dataclass

H = "customer_id,first_name,last_name,email,country,territory,signup_date\n"


def row(i: int, first: str = "Ann", date: str = "2026-01-01", tail: str = "") -> str:
    return f"{i},{first},Lee,a{i}@example.com,US,North America,{date}{tail}\n"


@dataclass(frozen=True)
class Fault:
    name: str
    file: str
    body: bytes
    rows: int  # records the platform must account for (0 for a file rejected whole or skipped)
    status: str


def catalogue() -> list[Fault]:
    """Each fault gets its own ids (100 per fault) so faults never interact unless they are meant to."""
    f: list[Fault] = []

    def add(name: str, body: str | bytes, rows: int, status: str, file: str | None = None) -> None:
        data = body.encode() if isinstance(body, str) else body
        f.append(Fault(name, file or f"{len(f):02d}_{name}.csv", data, rows, status))

    def ids(n: int = 0) -> int:
        return 100 * (len(f) + 1) + n

    add("clean", H + row(ids(1)) + row(ids(2)) + row(ids(3)), 3, "loaded")
    add("too_many_fields", H + row(ids(1)) + row(ids(2), tail=",surplus"), 2, "partially_loaded")
    add("too_few_fields", H + row(ids(1)) + f"{ids(2)},Ann,Lee\n", 2, "partially_loaded")
    add("unbalanced_quote", H + row(ids(1)) + row(ids(2), first='"Ann'), 2, "partially_loaded")
    add("multi_line_quoted_field", H + row(ids(1), first='"Ann\nMarie"') + row(ids(2)), 2, "loaded")
    add(
        "stray_quotes_on_two_lines",
        H + row(ids(1), first='"A') + row(ids(2)) + row(ids(3), first='"C'),
        3,
        "partially_loaded",
    )
    add("quoted_delimiter", H + row(ids(1), first='"Lee, Jr."'), 1, "loaded")
    add("escaped_quotes", H + row(ids(1), first='"An ""Annie"" Lee"'), 1, "loaded")
    add(
        "not_a_number",
        H + row(ids(1)) + "12x,Ann,Lee,a@example.com,US,North America,2026-01-01\n",
        2,
        "partially_loaded",
    )
    add(
        "fraction_in_integer",
        H + row(ids(1)) + "1.7,Ann,Lee,a@example.com,US,North America,2026-01-01\n",
        2,
        "partially_loaded",
    )
    add(
        "missing_required_value",
        H + row(ids(1)) + ",Ann,Lee,a@example.com,US,North America,2026-01-01\n",
        2,
        "partially_loaded",
    )
    add("second_declared_date_format", H + row(ids(1), date="31/01/2026"), 1, "loaded")
    add("unparseable_date", H + row(ids(1)) + row(ids(2), date="2026-13-45"), 2, "partially_loaded")
    add("ancient_date", H + row(ids(1)) + row(ids(2), date="0001-01-01"), 2, "partially_loaded")
    add("far_future_date", H + row(ids(1)) + row(ids(2), date="9999-12-31"), 2, "partially_loaded")
    add("string_over_the_bound", H + row(ids(1)) + row(ids(2), first="x" * 300), 2, "partially_loaded")
    add("megabyte_field", H + row(ids(1), first="y" * 1_000_000), 1, "quarantined")
    add("duplicate_key_in_file", H + row(ids(1)) + row(ids(1), first="Bo"), 2, "partially_loaded")
    dup = ids(1)
    add("duplicate_key_first_file", H + row(dup), 1, "loaded")
    add("duplicate_key_in_a_later_file", H + row(dup, first="Cy") + row(ids(2)), 2, "partially_loaded")
    add("header_only", H, 0, "no_rows")
    add("empty_file", b"", 0, "rejected")
    add(
        "not_utf8",
        H.encode() + f"{ids(1)},Jos".encode() + b"\xe9,Lee,j@example.com,US,North America,2026-01-01\n",
        0,
        "rejected",
    )
    add("utf8_bom", "\ufeff" + H + row(ids(1)), 1, "loaded")
    add("cr_only_endings", (H + row(ids(1)) + row(ids(2))).replace("\n", "\r"), 2, "loaded")
    add("crlf_endings", (H + row(ids(1)) + row(ids(2))).replace("\n", "\r\n"), 2, "loaded")
    add("mixed_endings", H + row(ids(1)).replace("\n", "\r\n") + row(ids(2)).replace("\n", "\r"), 2, "loaded")
    add("blank_and_whitespace_lines", H + "\n" + row(ids(1)) + "   \n\t\n" + row(ids(2)) + "\n\n", 2, "loaded")
    add("trailing_delimiter_everywhere", H + row(ids(1), tail=",") + row(ids(2), tail=","), 2, "quarantined")
    add(
        "reordered_recased_header",
        "SIGNUP_DATE,Email,Customer_ID\n2026-01-01,a@example.com," + f"{ids(1)}\n",
        1,
        "loaded",
    )
    add("alias_in_header", f"cust_id,first_name\n{ids(1)},Ann\n", 1, "loaded")
    add("missing_optional_column", f"customer_id,first_name\n{ids(1)},Ann\n", 1, "loaded")
    add("missing_required_column", "first_name,last_name\nAnn,Lee\n", 0, "rejected")
    add("extra_column", H.rstrip("\n") + ",phone\n" + row(ids(1), tail=",555-0100"), 1, "loaded")
    add("all_rows_bad", H + row(ids(1), date="never") + row(ids(2), date="soon"), 2, "quarantined")
    add("hidden_dot_file", H + row(ids(1)), 0, "rejected", file=".hidden.csv")
    add("hidden_underscore_file", H + row(ids(1)), 0, "rejected", file="_part.csv")
    add("wrong_format_for_source", '{"customer_id": 1}\n', 0, "rejected", file="extra.json")
    add("spaces_and_unicode_in_name", H + row(ids(1)), 1, "loaded", file="März export 1.csv")
    add("identical_copy_of_a_loaded_file", f[0].body, 0, "skipped_duplicate", file="zz_clean_again.csv")
    return f
