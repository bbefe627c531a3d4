"""Baselines: which deviations are already known, so a CI gate fails only on what is new.

A baseline is either a previous run's `deviations.json` or a short accepted-deviations file
(`{"format": "b24conform.accepted/1", "accepted": [{"id": "...", "reason": "..."}]}`) that a
team commits with a reason per id. Applying one marks each deviation `new` or `known`, lists
the baseline's deviations that are gone (`fixed`), and the docs-silent behaviours that changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from b24conform.deviations import EXIT_CODES, blocks, verdict
from b24conform.deviations import FORMAT as DEVIATIONS_FORMAT
from b24conform.errors import UsageError

ACCEPTED_FORMAT = "b24conform.accepted/1"


@dataclass
class Baseline:
    source: str
    known: dict[str, dict[str, Any]] = field(default_factory=dict)
    observations: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> Baseline:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UsageError(f"baseline {path}: no such file") from None
        except (OSError, ValueError) as exc:
            raise UsageError(f"baseline {path}: not JSON ({exc})") from None
        fmt = data.get("format") if isinstance(data, dict) else None
        if fmt == DEVIATIONS_FORMAT:
            known = {
                d["id"]: d for d in data.get("deviations", []) if isinstance(d, dict) and "id" in d
            }
            return cls(Path(path).name, known, list(data.get("observations", [])))
        if fmt == ACCEPTED_FORMAT:
            accepted = data.get("accepted", [])
            if not all(isinstance(a, dict) and a.get("id") and a.get("reason") for a in accepted):
                raise UsageError(f"baseline {path}: every accepted entry needs an id and a reason")
            return cls(Path(path).name, {a["id"]: a for a in accepted})
        raise UsageError(
            f"baseline {path}: neither a {DEVIATIONS_FORMAT} log nor a {ACCEPTED_FORMAT} file"
        )

    def apply(self, document: dict[str, Any]) -> None:
        """Mark known/new, list what is fixed, flag observations that changed (in place)."""
        seen = set()
        for deviation in document["deviations"]:
            seen.add(deviation["id"])
            entry = self.known.get(deviation["id"])
            deviation["baseline"] = "known" if entry is not None else "new"
            if entry is not None and entry.get("reason"):
                deviation["accepted_reason"] = entry["reason"]
        document["fixed"] = [d for i, d in self.known.items() if i not in seen and "method" in d]
        document["run"]["baseline"] = self.source
        before = {_observation_key(o): o.get("outcome") for o in self.observations}
        for observation in document.get("observations", []):
            key = _observation_key(observation)
            if key in before and before[key] != observation.get("outcome"):
                observation["changed"] = {"before": before[key]}


def _observation_key(observation: dict[str, Any]) -> str:
    return json.dumps(
        [observation.get("probe"), observation.get("method"), observation.get("request")],
        sort_keys=True,
    )


def failing(document: dict[str, Any], fail_on: str) -> list[dict[str, Any]]:
    """The deviations that fail the run: new ones at or above the `fail_on` severity."""
    return [d for d in document["deviations"] if blocks(d, fail_on)]


def exit_code(document: dict[str, Any], fail_on: str) -> int:
    """0 passed, 1 failed, 3 nothing could be checked, 4 incomplete (see `verdict`)."""
    return EXIT_CODES[verdict(document, fail_on)]


def diff_documents(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """New, fixed and unchanged deviations between two runs, and the observations that changed.

    `new` is marked against `old` in place (as a baseline would), so its exit code can be taken.
    """
    baseline = Baseline(
        "old", {d["id"]: d for d in old.get("deviations", [])}, old.get("observations", [])
    )
    baseline.apply(new)
    return {
        "new": [d for d in new["deviations"] if d["baseline"] == "new"],
        "fixed": new["fixed"],
        "unchanged": [d for d in new["deviations"] if d["baseline"] == "known"],
        "changed_observations": [o for o in new.get("observations", []) if "changed" in o],
    }
