"""The conformance suite as pytest modules: one test per (method, check).

From a clone: `pytest suites/ --b24-...`. Installed, they ship as `b24conform.suites`:
`pytest --pyargs b24conform.suites --b24-...`.
"""
