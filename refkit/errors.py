"""The one exception users see: a short message, printed on one line, non-zero exit."""


class RefkitError(Exception):
    """Bad input or an unusable environment; ``str(err)`` is the one-line message."""

    exit_code = 2


def cannot_write(path: object, err: OSError) -> RefkitError:
    """The RefkitError for an output that cannot be written, naming the real obstacle.

    mkdir reports "File exists" when a file sits where a directory must go; users need to hear
    which file that is, not the errno text.
    """
    from pathlib import Path

    target = Path(str(path))
    if isinstance(err, IsADirectoryError) or target.is_dir():
        return RefkitError(f"cannot write {target}: it is a directory")
    if isinstance(err, (FileExistsError, NotADirectoryError)):
        blocker = next((p for p in target.parents if p.is_file()), None)
        if blocker is not None:
            return RefkitError(f"cannot write {target}: {blocker} is a file, not a directory")
    return RefkitError(f"cannot write {target}: {err.strerror or err}")
