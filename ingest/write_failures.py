"""A knowledge base that cannot be written (a full disk, a read-only data folder): the editor's
commands say so in one paragraph, naming the data folder and what to do, and exit with
EXIT_NOT_WRITTEN, instead of a traceback."""

from __future__ import annotations

import errno
import functools
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Concatenate, ParamSpec

import click
import sqlalchemy.exc

from knowledge import Settings

EXIT_NOT_WRITTEN = 4
P = ParamSpec("P")


FREE_SPACE = (
    "Free some space on its disk, or move the folder (index and all) to a disk with room and set "
    "SWITCHBOARD_DATA_DIR to its new place."
)
MAKE_WRITABLE = (
    "Make that folder writable (every command opens the knowledge base for writing, `search` and "
    "`kb list` too), or copy it to a writable place and set SWITCHBOARD_DATA_DIR to the copy."
)
EITHER = (
    "Check that its disk has free space and that the folder is writable; or move the folder (index "
    "and all) to a place that is and set SWITCHBOARD_DATA_DIR to its new place."
)
NOTHING_CHANGED = "Nothing was changed."
REMOVE_NOT_WRITTEN = (
    "The index stays consistent: `kb list` shows whether the document is still indexed, and the next "
    "ingest sweeps away any chunks a removal left."
)


@dataclass(frozen=True)
class WriteFailure:
    cause: str  # what failed, in the words of whatever failed
    fix: str  # what the editor can do about it


def write_failure(error: Exception, settings: Settings) -> WriteFailure | None:
    """What `error` says about the knowledge base's folder, if it is a failure to write there;
    None for anything else (that stays a bug with its traceback)."""
    if isinstance(error, OSError):
        return _os_failure(error, settings.data_dir)
    if isinstance(error, sqlalchemy.exc.OperationalError) and isinstance(error.orig, sqlite3.Error):
        message = str(error.orig)
        fix = _fix_named_in(message)
        return WriteFailure(message, fix) if fix else None
    if _is_chroma_internal_error(error) and not settings.chroma_url:
        # the embedded store may say no more than "Error in compaction: Failed to apply logs to the
        # hnsw segment writer" when its disk is full: then name both likely causes
        message = " ".join(str(error).split())
        return WriteFailure(message, _fix_named_in(message) or EITHER)
    return None


def _os_failure(error: OSError, data_dir: Path) -> WriteFailure | None:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return WriteFailure(str(error), FREE_SPACE)
    if error.errno == errno.EROFS:
        return WriteFailure(str(error), MAKE_WRITABLE)
    # permission denied on a source document is that document's problem, not the folder's
    if error.errno in (errno.EACCES, errno.EPERM) and _inside(error.filename, data_dir):
        return WriteFailure(str(error), MAKE_WRITABLE)
    return None


def _fix_named_in(message: str) -> str | None:
    """The fix for what SQLite's (or Chroma's SQLite's) words name, if they name one."""
    if "disk is full" in message or "No space left" in message:
        return FREE_SPACE
    if "readonly" in message or "Read-only" in message or "unable to open database file" in message:
        return MAKE_WRITABLE
    if "disk I/O error" in message:
        return EITHER
    return None


def _is_chroma_internal_error(error: Exception) -> bool:
    # by name: the type moved between Chroma releases, and importing chromadb costs half a second
    kind = type(error)
    return kind.__name__ == "InternalError" and kind.__module__.startswith("chromadb")


def _inside(filename: object, folder: Path) -> bool:
    if not isinstance(filename, (str, Path)):
        return False
    path, folder = Path(filename).absolute(), folder.absolute()
    return path == folder or folder in path.parents


def reports_write_failures(
    after: str = NOTHING_CHANGED,
) -> Callable[[Callable[Concatenate[Settings, P], None]], Callable[Concatenate[Settings, P], None]]:
    """A command whose knowledge base cannot be written says so in one paragraph, naming the data
    folder and what to do, and exits with EXIT_NOT_WRITTEN: a full disk and a read-only folder had
    ended every command, `search` included, in a traceback. `after` says what state it left."""

    def decorate(command: Callable[Concatenate[Settings, P], None]) -> Callable[Concatenate[Settings, P], None]:
        @functools.wraps(command)
        def run(settings: Settings, *args: P.args, **kwargs: P.kwargs) -> None:
            try:
                command(settings, *args, **kwargs)
            except Exception as e:
                failure = write_failure(e, settings)
                if failure is None:
                    raise
                where = f"could not write the knowledge base in {settings.data_dir.absolute()}"
                click.echo(f"{where}: {failure.cause.rstrip('.')}. {failure.fix} {after}", err=True)
                sys.exit(EXIT_NOT_WRITTEN)

        return run

    return decorate
