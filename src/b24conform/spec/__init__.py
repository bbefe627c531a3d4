"""The documented claims: JSON Schemas and method contracts loaded from `schemas/<revision>/`.

Everything the suite asserts comes from here, and everything here points back to the line of the
documentation that states it (`DocRef`). The schemas are data, not code, so that a reviewer can
read them against the doc pages and a new API revision is a new folder, not a code change.
"""

from b24conform.spec.docref import DocRef
from b24conform.spec.loader import (
    MethodContract,
    Spec,
    available_revisions,
    load_spec,
    read_methods,
)

__all__ = ["DocRef", "MethodContract", "Spec", "available_revisions", "load_spec", "read_methods"]
