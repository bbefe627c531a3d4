"""A pointer from a check to the documentation line that makes the claim it tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DocRef:
    """Which page, which section, and the quoted words a deviation contradicts."""

    source: str
    section: str
    quote: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DocRef:
        return cls(source=data["source"], section=data["section"], quote=data["quote"])

    def to_json(self) -> dict[str, str]:
        return {"source": self.source, "section": self.section, "quote": self.quote}
