"""The one exception users see: a short message, printed on one line, non-zero exit."""


class RefkitError(Exception):
    """Bad input or an unusable environment; ``str(err)`` is the one-line message."""

    exit_code = 2
