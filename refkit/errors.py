"""The one exception users see: a short message, printed on one line, non-zero exit."""


class RefkitError(Exception):
    """Bad input or an unusable environment; ``str(err)`` is the one-line message."""

    exit_code = 2

    def __init__(self, message: str = "", *, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


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


class SourceError(Exception):
    """A source (the local catalog, Crossref, PubMed) could not answer one request, for good:
    the retries are spent. The reference it was for ends ``error``, not ``unmatched``."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class SourceUnavailable(SourceError):
    """A source cannot be asked at all (unreachable, not answering, damaged, budget spent):
    the resolver stops asking it for the rest of the run and says so once."""
