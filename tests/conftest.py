"""Hypothesis settings profiles for the project's own tests.

Wall-clock health checks and deadlines measure the machine, not the code: on a loaded CI runner
(or a fresh clone, where the first `st.text()` draw builds Hypothesis' Unicode tables) they fail
tests that are fine. Both profiles drop them; `ci` (chosen when `CI=true`, as `.ci/run` sets it)
also keeps no example database and prints the blob that reproduces a failure.
`HYPOTHESIS_PROFILE=name` picks one by hand.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci",
    parent=settings.get_profile("default"),
    database=None,
    print_blob=True,
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE")
    or ("ci" if os.environ.get("CI", "").lower() == "true" else "default")
)
