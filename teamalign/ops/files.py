"""Files only their owner may read: the data folder, uploads, backups, lease files (0700/0600).

Django-free, so that settings.py can use it before Django is set up.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


def private_folder(path: Path | str) -> Path:
    """Create the folder (and any missing parents) 0700; make an existing one 0700; return it."""
    path = Path(path)
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_FOLDER)
        except FileExistsError:
            pass  # another process made it between our look and our mkdir: what we wanted
    make_private(path)
    return path


def make_private(path: Path | str) -> None:
    """Take group and other access away from a file (0600) or folder (0700) we own."""
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if info.st_mode & stat.S_ISVTX:
        return  # a shared folder such as /tmp (sticky bit): never ours to close
    if info.st_uid == os.geteuid() and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        path.chmod(PRIVATE_FOLDER if stat.S_ISDIR(info.st_mode) else PRIVATE_FILE)


def private_file_open(path: Path | str, *, exclusive: bool = True) -> int:
    """Open a new file for writing, created 0600 whatever the umask; return the descriptor."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | (os.O_EXCL if exclusive else 0)
    return os.open(path, flags, PRIVATE_FILE)


def private_file_prepare(path: Path | str) -> None:
    """Make sure the file exists and is 0600, before another program (SQLite) opens it.

    SQLite creates a database's -wal and -shm files with the database file's permissions, so
    preparing the database file makes them private too."""
    path = Path(path)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, PRIVATE_FILE))
    make_private(path)
