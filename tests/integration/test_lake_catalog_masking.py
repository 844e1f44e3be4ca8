"""What the lakehouse pages show of a raw table: declared PII and undeclared columns masked."""

from __future__ import annotations

import uuid

import pytest

from lakehouse.lake_catalog import LakeCatalog, TableRef
from spark_apps.landing import LocalStore
from spark_apps.pii import mask_value

pytestmark = pytest.mark.spark


def test_a_preview_masks_the_values_of_undeclared_columns_kept_in_extra(spark, test_env):
    # given a raw table whose rows carry a declared PII column and an undeclared phone number in _extra
    name = f"masking_{uuid.uuid4().hex[:8]}"
    spark.sql(
        f"CREATE TABLE {test_env.table('raw', name)} (customer_id BIGINT, email STRING, _extra MAP<STRING, STRING>)"
    )
    spark.sql(
        f"INSERT INTO {test_env.table('raw', name)} VALUES (1, 'ada@example.com', map('phone', '+1 555 0100')), "
        "(2, 'bo@example.com', NULL)"
    )

    # when the lakehouse pages preview it
    preview = LakeCatalog(test_env, LocalStore()).preview(TableRef("raw", name))

    # then the email and every _extra value are masked, keys kept so people see what arrived
    masking = test_env.pii.masking()
    rows = sorted(preview["rows"], key=lambda r: r["customer_id"])
    assert sorted(preview["masked_columns"]) == ["_extra", "email"]
    assert [(r["email"], r["_extra"]) for r in rows] == [
        (mask_value("ada@example.com", masking), {"phone": mask_value("+1 555 0100", masking)}),
        (mask_value("bo@example.com", masking), None),
    ]
    assert "+1 555 0100" not in str(preview)
