"""The errors that end a run early, each mapped to one exit code of the command line.

Everything a user can get wrong (a URL, a cassette, an option) raises `UsageError`, which the
command line prints as one line and turns into exit code 2; a target that cannot be checked at all
raises `TargetUnavailable` (exit code 3). Anything else reaching the top is a bug in b24conform.
"""


class B24ConformError(Exception):
    """Base of the errors b24conform raises on purpose; `exit_code` is what the CLI returns."""

    exit_code = 2


class UsageError(B24ConformError):
    """Bad input from the user: an option, a URL, a file."""

    exit_code = 2


class TargetUnavailable(B24ConformError):
    """The target could not be checked: unreachable, or every call throttled or refused."""

    exit_code = 3
