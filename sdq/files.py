"""Writing files: atomically, so that a crash half-way keeps the previous file."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["write_atomic"]


def _new_temporary_file(folder: Path, name: str) -> tuple[int, str]:
    """A new file ``.<name>.<random>.tmp`` in ``folder``, opened for writing, created with mode
    0o666 as any new file is: the process's umask (and a default ACL of the folder) apply, so the
    written file gets the usual permissions without reading the umask, which on most systems can
    only be read by setting it, for every thread of the process at once. (``tempfile.mkstemp``
    creates its files readable by their owner only.)"""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = folder / f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), str(tmp)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free name for a temporary file in {folder}")


def write_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write text to ``path`` through a temporary file in the same folder, then rename. The file
    gets the permissions of any new file (``0o666`` less the umask)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _new_temporary_file(target.parent, target.name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
