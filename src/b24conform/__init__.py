"""b24conform: contract tests and spec conformance for the Bitrix24 REST API."""

__version__ = "0.1.0"
