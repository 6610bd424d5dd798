"""The one exception proxy_tasks raises for bad input or a missing data set."""


class TaskError(Exception):
    """A user-facing failure; ``str(error)`` is one sentence saying what is wrong and what to do.

    Raised for an unknown task name (with the closest spelling suggested), an unsupported size, or
    a data set that is not installed (naming the exact command that installs it).
    """
