"""The one exception type the library raises for problems a user can fix."""


class JigsawError(Exception):
    """A human-readable problem with the user's input (bad file, bad option, missing data).

    The CLI prints ``str(error)`` as a single line and exits with code 2; anything else is a bug and keeps its
    traceback.
    """
