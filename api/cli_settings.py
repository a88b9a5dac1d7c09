"""The settings every `switchboard` command runs with, and what it says when one cannot work.

A setting that cannot work stops the command before it does anything, in one line per problem that
names the variable and what it may be, and exit code 2 (a usage error), as `serve`'s start-up checks
(api.preflight) say theirs: `error: SWITCHBOARD_CHUNK_SIZE: 'abc' is not allowed: it must be a whole
number greater than 0`. Each had been a traceback of pydantic's, the chunker's or the file system's,
the variable to fix named nowhere, and an exit code of 1, which `ingest` gives for refused documents.
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any, NoReturn

import click
from pydantic import ValidationError

from knowledge import Settings
from knowledge.settings import ENV_PREFIX, SettingError, setting_problems

EXIT_SETTINGS = 2
# what a data folder that cannot be made raises: a path through a file, a folder no file may be
# made in (/proc/qa); a full disk or a read-only folder is the commands' to say (exit code 4)
NOT_A_FOLDER = {errno.ENOENT, errno.ENOTDIR, errno.EEXIST, errno.ELOOP, errno.ENAMETOOLONG}


def refuse(problems: list[str]) -> NoReturn:
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    raise SystemExit(EXIT_SETTINGS)


def load_settings() -> Settings:
    """The settings from the environment (and .env), or the command stops saying what is wrong."""
    try:
        return Settings()
    except ValidationError as e:
        refuse(setting_problems(e))


class SettingsCheckedGroup(click.Group):
    """A command group whose commands stop in one line, exit code 2, on a setting found unusable
    only when used: a database URL of another kind, or a data folder that cannot be made."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SettingError as e:
            refuse([str(e)])
        except OSError as e:
            settings = ctx.obj if isinstance(ctx.obj, Settings) else None
            if settings is None or not _data_dir_not_made(e, settings.data_dir):
                raise
            refuse([
                f"{ENV_PREFIX}DATA_DIR: cannot make the folder {settings.data_dir.absolute()}: "
                f"{e.strerror or e}: it must be a folder that exists or can be made"
            ])


def _data_dir_not_made(error: OSError, data_dir: Path) -> bool:
    """Whether `error` is the data folder (or a folder above it) failing to be made."""
    if error.errno not in NOT_A_FOLDER or not isinstance(error.filename, (str, Path)):
        return False
    folder = data_dir.absolute()
    return Path(error.filename).absolute() in (folder, *folder.parents)
