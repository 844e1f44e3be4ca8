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


def test_hashing_without_a_salt_is_rejected_and_flags_come_from_the_contracts():
    with pytest.raises(ValueError, match="needs a salt"):
        PiiConfig(mask_exports=True, method="hash", salt="")
    assert pii_columns() == {"first_name", "last_name", "email"}
