"""The one error type a user sees: its message says what went wrong and what to do."""


class ScriptwrightError(Exception):
    """A problem the user can act on; shown as one line, never a traceback."""
