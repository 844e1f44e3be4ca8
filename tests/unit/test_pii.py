"""PII masking: deterministic, salted, null-preserving, and only on flagged columns."""

from __future__ import annotations

import hashlib

import pytest

from spark_apps.config import PiiConfig, pii_columns

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def people(spark):
    return spark.createDataFrame(
        [(1, "Ada", "ada@example.com"), (2, None, "ada@example.com"), (3, "Bob", None)],
        "customer_id long, first_name string, Email string",
    )


def test_hash_is_the_salted_sha256_and_equal_values_mask_equally(people):
    from spark_apps.pii import mask_pii

    rows = mask_pii(people, ["first_name", "email"], PiiConfig(mask_exports=True, salt="s1")).collect()

    assert rows[0]["Email"] == hashlib.sha256(b"s1ada@example.com").hexdigest()
    assert rows[0]["Email"] == rows[1]["Email"]  # deterministic: joins and group-bys still work
    assert rows[0]["first_name"] == hashlib.sha256(b"s1Ada").hexdigest()
    assert (rows[1]["first_name"], rows[2]["Email"]) == (None, None)  # nulls stay null
    assert [r["customer_id"] for r in rows] == [1, 2, 3]  # unflagged columns untouched
    assert mask_pii(people, ["email"], PiiConfig(mask_exports=True, salt="s2")).first()["Email"] != rows[0]["Email"]


def test_redaction_replaces_values_but_keeps_nulls(people):
    from spark_apps.pii import REDACTED, mask_pii

    rows = mask_pii(people, ["first_name"], PiiConfig(mask_exports=True, method="redact")).collect()

    assert [r["first_name"] for r in rows] == [REDACTED, None, REDACTED]
    assert rows[0]["Email"] == "ada@example.com"


def test_hashing_without_a_salt_redacts_and_flags_come_from_the_contracts(people):
    # given hashing asked for, with no salt (an unsalted hash of an email is a dictionary lookup away)
    cfg = PiiConfig(mask_exports=True, method="hash", salt="")

    from spark_apps.pii import REDACTED, mask_pii

    # then exports are redacted instead
    rows = mask_pii(people, ["email"], cfg.masking()).collect()
    assert REDACTED in {r["Email"] for r in rows} <= {REDACTED, None}
    # attr_hash: derived from retail's names; full_name: banking's customers contract
    assert pii_columns() == {"first_name", "last_name", "email", "attr_hash", "full_name"}


def test_no_committed_environment_carries_a_pii_salt(monkeypatch):
    from spark_apps.config import environment_names, load_env

    monkeypatch.delenv("PIPELINE_PII_SALT", raising=False)
    names = environment_names()

    assert names and {n: load_env(n).pii.salt for n in names if load_env(n).pii.salt} == {}


def test_the_python_mask_of_a_shown_row_equals_the_spark_mask_of_an_export(people):
    from spark_apps.pii import mask_pii, mask_row

    cfg = PiiConfig(mask_exports=True, salt="s1")
    exported = [r.asDict() for r in mask_pii(people, ["first_name", "email"], cfg).collect()]
    shown = [mask_row(r.asDict(), ["first_name", "email"], cfg) for r in people.collect()]

    assert shown == exported


CUSTOMERS_HEADER = ["customer_id", "first_name", "last_name", "email", "country", "territory", "signup_date"]


def _customers():
    from spark_apps.config import load_contract_by_name

    return load_contract_by_name("customers")


def test_a_quarantined_csv_line_has_its_pii_fields_masked_by_the_files_header():
    from spark_apps.pii import mask_raw_line, mask_value

    cfg = PiiConfig(salt="s1")
    # Given a file whose header renames, re-cases and reorders columns (email through its alias)
    header = ["EMAIL_ADDRESS", "Customer_ID", "first_name", "last_name", "country", "territory", "signup_date"]
    line = 'ann@x.com,7,"Smith, Ann",,FR,Europe,2026-13-01'

    shown = mask_raw_line(line, _customers(), header, cfg)

    # Then the PII fields are their hashes, the empty one stays empty and the rest is as delivered
    assert shown == f"{mask_value('ann@x.com', cfg)},7,{mask_value('Smith, Ann', cfg)},,FR,Europe,2026-13-01"


def test_a_line_whose_fields_cannot_be_told_apart_is_redacted_whole():
    from spark_apps.pii import REDACTED, mask_raw_line

    cfg = PiiConfig(salt="s1")

    # an unquoted comma in a name shifts every later field; an unbalanced quote swallows the rest
    shifted = mask_raw_line("7,Ann,Smith, Jr,ann@x.com,FR,Europe,2026-01-01", _customers(), CUSTOMERS_HEADER, cfg)
    unbalanced = mask_raw_line('7,"Ann,Smith,ann@x.com,FR,Europe,2026-01-01', _customers(), CUSTOMERS_HEADER, cfg)
    no_header = mask_raw_line("7,Ann,Smith,ann@x.com,FR,Europe,2026-01-01", _customers(), None, cfg)

    assert shifted == f"{REDACTED} (8 fields where the header has 7)"
    assert unbalanced == f"{REDACTED} (2 fields where the header has 7)"
    assert no_header == REDACTED


def test_json_lines_are_masked_by_key_and_sources_without_pii_are_untouched():
    from spark_apps.config import load_contract_by_name
    from spark_apps.pii import REDACTED, mask_raw_line

    cfg = PiiConfig(method="redact")
    as_json = _customers().model_copy(update={"format": "json"})

    shown = mask_raw_line('{"Customer_ID": "7", "email_address": "ann@x.com", "x": 1}', as_json, None, cfg)

    assert shown == '{"Customer_ID": "7", "email_address": "[REDACTED]", "x": 1}'
    assert mask_raw_line("not json", as_json, None, cfg) == REDACTED
    line = "T1,C1,P1,2,10.00,2026-01-01"
    assert mask_raw_line(line, load_contract_by_name("transactions"), None, cfg) == line


def test_shown_rows_are_hashed_with_a_salt_and_redacted_without_one():
    assert PiiConfig(salt="s").masking().method == "hash"
    assert PiiConfig(salt="").masking().method == "redact"  # any environment without PIPELINE_PII_SALT
    assert PiiConfig().mask_samples is True
