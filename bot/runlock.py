"""One Majlis per database: the running bot holds a lock that `majlis restore` and `migrate` respect.

An advisory `flock` on `<database>.lock` (0600, beside the database): the kernel releases it when the
process ends, however it ends, so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from bot.files import FILE_MODE, private_dir


class DatabaseInUse(RuntimeError):
    """Another process (a running bot) holds the database's lock."""


class RunLock:
    """The exclusive lock on a database file; `acquire` raises DatabaseInUse when it is taken."""

    def __init__(self, db_path: Path) -> None:
        self.path = db_path.with_name(db_path.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise DatabaseInUse naming the database."""
        if self._fd is not None:
            return
        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DatabaseInUse(f"Majlis is running on {self.path.with_suffix('')}: stop it first") from None
        os.fchmod(fd, FILE_MODE)
        self._fd = fd

    def release(self) -> None:
        """Let the lock go (idempotent)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def in_use(db_path: Path) -> bool:
    """Tell whether a running bot holds this database's lock."""
    lock = RunLock(db_path)
    try:
        lock.acquire()
    except DatabaseInUse:
        return True
    lock.release()
    return False
