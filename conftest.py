"""Wires `suites/` to the b24conform pytest plugin.

Installed, the plugin registers itself through the `pytest11` entry point; run from a source
tree without installing, this loads it. `pytest` alone runs the project's own tests (`tests/`);
`pytest suites/ --b24-webhook URL` runs the conformance suite against a portal.
"""

import importlib.metadata

_entry_points = importlib.metadata.entry_points(group="pytest11")
pytest_plugins = (
    [] if any(ep.name == "b24conform" for ep in _entry_points) else ["b24conform.plugin"]
)
