"""Hypothesis settings of the property tests, by profile (``$HYPOTHESIS_PROFILE``): ``ci``, the default, runs
each test's own few examples, since one example of a lake property costs up to 25 table commits; ``deep``
(``make test-deep``) runs ten times as many, to search harder before a release."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILES = {"ci": 1, "deep": 10}  # profile -> multiplier of each test's example count
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
if PROFILE not in PROFILES:
    raise ValueError(f"HYPOTHESIS_PROFILE={PROFILE!r}: expected one of {sorted(PROFILES)}")


def examples(count: int) -> settings:
    """``count`` examples under the ``ci`` profile, scaled under ``deep``; no deadline (a Spark example's time
    varies with the JVM's warm-up), and function-scoped fixtures (the session) are shared on purpose."""
    return settings(
        max_examples=count * PROFILES[PROFILE],
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
