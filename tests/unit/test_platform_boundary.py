"""Platform code knows no domain: no table a domain declares (its sources, models and summary source) and no
source's key column is named in `spark_apps/` outside `spark_apps/domains/`, in `plugins/` or in `dags/`."""

from __future__ import annotations

import re
from pathlib import Path

from spark_apps.config import load_contracts
from spark_apps.config.summary import load_summary_config
from spark_apps.model_spec import load_domains

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = ("spark_apps", "plugins", "dags")
# a domain's own transforms, and the demo's generator of every domain's landing files
NOT_PLATFORM = ("spark_apps/domains/", "spark_apps/sample_data.py")


def declared_names() -> set[str]:
    names = set()
    for contract in load_contracts().values():
        names |= {contract.name, *contract.primary_key}
    for domain in load_domains().values():
        names |= {m.table_name for m in domain.models}
    # the summary's source; its two tables are named as the platform feature is (the account summary and its
    # latest rows), so they cannot be told apart from it
    names.add(load_summary_config().source_table.split(".", 1)[1])
    return names


def platform_files() -> list[Path]:
    files = sorted(p for top in PLATFORM for p in (ROOT / top).rglob("*.py"))
    return [p for p in files if not p.relative_to(ROOT).as_posix().startswith(NOT_PLATFORM)]


def test_platform_code_names_no_declared_table_or_key_column():
    # given every table name and source key column the domains declare
    names = declared_names()
    assert {"fact_transactions", "customer_id", "account_interest_summary", "app_events"} <= names
    word = re.compile(r"\b(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")\b")

    # when platform code is searched for them as words
    found = [
        f"{path.relative_to(ROOT)}:{number}: {match}"
        for path in platform_files()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        for match in word.findall(line)
    ]

    # then none is there
    assert len(platform_files()) > 40
    assert found == []
