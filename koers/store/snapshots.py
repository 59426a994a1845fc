"""Published read versions of the database file, for readers that must never wait for an import.

With `KOERS_SNAPSHOTS=<folder>` set (a shared folder that every dashboard replica mounts), the
database file named by `KOERS_DB` is the *working* file: only writers open it (imports, sync, the
demo build), one at a time as DuckDB requires. When a writer has changed it, the file is published:
copied whole to the next version in the folder, then the pointer `CURRENT` is switched to it in one
atomic rename. Every read-only opening of the working file opens the newest published version
instead — a file no process ever writes, so it is never locked against anyone.

    <folder>/koers-000041.duckdb       a published version (never changed once its name exists)
    <folder>/koers-000041.duckdb.lock  readers hold a shared lock on it while they read that version
    <folder>/CURRENT                   the newest version's name
    <folder>/publish.lock              publishers take turns

Old versions are removed when no reader holds them: after publishing, every version but the newest
two whose lock can be taken exclusively is deleted; one a reader still holds stays until a later
publication finds it free. A reader that read `CURRENT` just before a version was removed finds the
file gone once it holds the lock, and reads `CURRENT` again.

The locks are `flock` locks: on one machine, and on a shared folder whose file system passes them on
(NFS v4, CephFS, SMB with unix extensions); see docs/deployment.md.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from koers.errors import KoersError

POINTER = "CURRENT"
KEEP = 2  # the newest versions never removed: the current one, and the one readers may still be opening
_NAME = re.compile(r"^koers-(\d{6,})\.duckdb$")


def folder_for(path: str | Path) -> Path | None:
    """The snapshot folder when `path` is the working file of a deployment with published versions."""
    from koers.settings import database_path, snapshot_folder

    folder = snapshot_folder()
    if folder is None:
        return None
    return folder if Path(path).resolve() == database_path().resolve() else None


def versions(folder: Path) -> list[Path]:
    """The published versions in the folder, oldest first."""
    found = [(int(m.group(1)), p) for p in folder.glob("koers-*.duckdb") if (m := _NAME.match(p.name))]
    return [p for _, p in sorted(found)]


def current(folder: Path) -> str | None:
    """The name of the newest published version, or None when nothing has been published."""
    try:
        return (folder / POINTER).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


@contextmanager
def reading(folder: Path) -> Iterator[Path]:
    """The newest published version, held (shared lock) until the block ends: not removed meanwhile."""
    for _ in range(50):
        name = current(folder)
        if name is None:
            raise KoersError("errors.store.nothing_published", folder=folder)
        version = folder / name
        with open(version.with_name(name + ".lock"), "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_SH)
            if version.exists():  # not removed between reading the pointer and taking the lock
                try:
                    yield version
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)
                return
    raise KoersError("errors.store.nothing_published", folder=folder)


def publish(working: Path, folder: Path, progress: Callable[[float], None] | None = None) -> Path:
    """Copy the working file (checkpointed, closed) to the next version and switch `CURRENT` to it.
    Returns the new version's path."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "publish.lock", "a+b") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        existing = versions(folder)
        number = int(_NAME.match(existing[-1].name).group(1)) + 1 if existing else 1
        version = folder / f"koers-{number:06d}.duckdb"
        part = folder / f".{version.name}.part"
        _copy(working, part, progress)
        os.replace(part, version)
        pointer = folder / f".{POINTER}.part"
        with open(pointer, "w", encoding="utf-8") as out:
            out.write(version.name + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(pointer, folder / POINTER)  # the switch: readers see the old name or the new, never half
        _sync_folder(folder)
        remove_unread(folder)
    return version


def remove_unread(folder: Path, keep: int = KEEP) -> list[str]:
    """Delete the published versions older than the newest `keep` that no reader holds; returns their names."""
    removed = []
    newest = current(folder)
    for version in versions(folder)[:-keep] if keep else versions(folder):
        if version.name == newest:
            continue
        lock_path = version.with_name(version.name + ".lock")
        with open(lock_path, "a+b") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # a reader is on it: a later publication removes it
                continue
            version.unlink(missing_ok=True)
            lock_path.unlink(missing_ok=True)
            removed.append(version.name)
    return removed


def signature(folder: Path) -> tuple:
    """What the dashboard's caches key on instead of the file's modification time."""
    return ("published", current(folder))


def _copy(source: Path, target: Path, progress: Callable[[float], None] | None) -> None:
    size = max(source.stat().st_size, 1)
    done = 0
    with open(source, "rb") as src, open(target, "wb") as out:
        while chunk := src.read(16 << 20):
            out.write(chunk)
            done += len(chunk)
            if progress:
                progress(done / size)
        out.flush()
        os.fsync(out.fileno())
    shutil.copystat(source, target)


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
