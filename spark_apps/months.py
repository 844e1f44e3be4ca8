"""Report months (``YYYY-MM``) as numbers, so gaps and shifts are plain arithmetic.

No Spark here: DAG files (param patterns), the generator and job argument checks use it;
``account_summary.month_index`` is the Spark-column twin of ``month_number``.
"""

from __future__ import annotations

import re

MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


def month_number(text: str) -> int:
    """``YYYY-MM`` → months since year 0; a clear error for anything else."""
    if not re.fullmatch(MONTH_PATTERN, text or ""):
        raise ValueError(f"month must look like YYYY-MM, got {text!r}")
    return int(text[:4]) * 12 + int(text[5:7]) - 1


def month_text(number: int) -> str:
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def add_months(text: str, months: int) -> str:
    return month_text(month_number(text) + months)
