"""Validating answers against the schemas: a fast verdict first, jsonschema's words when it fails.

`jsonschema` is the reference: its errors (path, keyword, schema node with its `x-doc`) are what
the checks turn into findings, and they stay exactly what they were. It is also slow: a run
validates the same department and user objects in case after case, and descending the schemas in
Python was half of a run's time. So each schema is also compiled with `jsonschema-rs`, whose only
job is the yes/no question "is this instance valid?": when it says yes, jsonschema would have
found nothing (a test compares the two on every schema of both revisions, the fault catalogue's
answers and mutations of them), and the errors are not computed at all; when it says no, or
cannot tell, jsonschema validates as before. Formats are checked by jsonschema's own format
functions in both engines (passed to jsonschema-rs as callbacks), so a format is exactly as strict
whichever engine looks at it.

Both engines are imported when first used: `b24conform --help` loads neither.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema import FormatChecker, ValidationError
    from referencing import Registry

log = logging.getLogger("b24conform.spec")


@functools.cache
def format_checker() -> FormatChecker:
    """jsonschema's checker of every format whose package is installed (date-time, uri, ...)."""
    from jsonschema import FormatChecker

    return FormatChecker()


class SchemaValidator:
    """One schema of one revision, validated by jsonschema, answered quickly by jsonschema-rs."""

    def __init__(
        self,
        schema: dict[str, Any],
        uri: str,
        registry: Callable[[], Registry],
        fast_registry: Callable[[], Any],
    ) -> None:
        self.schema = schema
        self.uri = uri
        self._registry = registry
        self._fast_registry = fast_registry

    @functools.cached_property
    def reference(self) -> Any:
        """The jsonschema validator whose errors become findings."""
        from jsonschema import Draft202012Validator
        from referencing import Resource
        from referencing.jsonschema import DRAFT202012

        anchored = {"$id": f"{self.uri}#inline", **self.schema}
        resource = Resource.from_contents(anchored, default_specification=DRAFT202012)
        registry = self._registry().with_resource(anchored["$id"], resource)
        return Draft202012Validator(anchored, registry=registry, format_checker=format_checker())

    @functools.cached_property
    def fast(self) -> Any:
        """The jsonschema-rs validator of the same schema, with jsonschema's format functions;
        None when it cannot compile the schema (jsonschema then judges everything, as before)."""
        import jsonschema_rs

        checker = format_checker()
        formats = {name: functools.partial(_conforms, checker, name) for name in checker.checkers}
        try:
            return jsonschema_rs.Draft202012Validator(
                self.schema,
                base_uri=f"{self.uri}.inline.json",
                registry=self._fast_registry(),
                validate_formats=True,
                formats=formats,
                offline=True,
            )
        except Exception as exc:  # a schema jsonschema takes and jsonschema-rs does not
            log.debug("no fast validator for %s: %s", self.uri, exc)
            return None

    def is_valid_fast(self, instance: Any) -> bool:
        return surely_valid(self.fast, instance)

    def iter_errors(self, instance: Any) -> Iterator[ValidationError]:
        """jsonschema's errors for the instance (none, without asking it, when it is valid)."""
        if self.is_valid_fast(instance):
            return iter(())
        return self.reference.iter_errors(instance)


def surely_valid(fast: Any, instance: Any) -> bool:
    """True only when the jsonschema-rs validator `fast` finds the instance valid (no validator,
    or an instance it cannot take, such as a NaN or an integer past 64 bits, is left to
    jsonschema)."""
    if fast is None:
        return False
    try:
        return bool(fast.is_valid(instance))
    except Exception:
        return False


def _conforms(checker: FormatChecker, name: str, value: Any) -> bool:
    return checker.conforms(value, name)
