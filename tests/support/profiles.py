"""Hypothesis profiles: thorough in CI, quick on a developer's machine.

``HYPOTHESIS_PROFILE=ci`` (what ``.ci/run`` sets) runs every property test with its full
number of examples; the default ``dev`` profile runs a tenth of them, so the suite stays
quick locally while CI keeps its depth. No profile has a deadline: the machines are shared
and noisy, and a slow example is not a failure (timing belongs in bench/, never in a test).
"""

from __future__ import annotations

import os

from hypothesis import settings

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
_DEV_SHARE = 10  # locally, one example in ten


def examples(n: int) -> int:
    """``n`` examples in CI; a tenth of them (at least 10) locally."""
    return n if PROFILE == "ci" else max(10, n // _DEV_SHARE)


def register() -> None:
    """Register both profiles and load the one the environment names."""
    settings.register_profile("ci", max_examples=examples(100), deadline=None, print_blob=True)
    settings.register_profile("dev", max_examples=examples(100), deadline=None)
    settings.load_profile(PROFILE)
