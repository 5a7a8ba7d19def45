"""Publish by swapping whole versions, so readers never see a publication half written.

The publication folder (``build/publication``) is a symbolic link to one complete version in a
sibling folder (``build/.publication.versions/000003``). A new version is built beside it —
unchanged files hard-linked from the current one, new ones written — verified, and then the link
is replaced in one atomic rename. An interrupted publish leaves the previous version in place and
a ``.partial`` folder that the next publish removes. The previous version is kept, so a download
in progress when the link changes completes.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import ContextManager

from ..faults import checkpoint
from ..store.lock import file_lock

KEEP = 2  # the current version and the one before it


class PublicationError(Exception):
    """The publication cannot be written where asked, or did not verify; the message says why."""


class Versions:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.home = self.root.parent / f".{self.root.name}.versions"

    def lock(self, command: str) -> ContextManager[None]:
        """One writer per publication folder: ``.<name>.lock`` beside it, whatever store each writer reads
        (the store's own lock does not cover two stores publishing into one folder)."""
        self.root.parent.mkdir(parents=True, exist_ok=True)

        def busy(holder: str) -> PublicationError:
            return PublicationError(f"the publication {self.root} is being written by another command "
                                    f"({holder or 'holder unknown'}): wait for it to finish and publish again")

        return file_lock(self.root.parent / f".{self.root.name}.lock", command, busy)

    def current(self) -> Path | None:
        """The complete version the publication points to, if any."""
        if self.root.is_symlink() and self.root.resolve().is_dir():
            return self.root.resolve()
        return None

    def stage(self) -> Path:
        """A new, empty version folder (named ``.partial`` until it is swapped in)."""
        self.root.parent.mkdir(parents=True, exist_ok=True)
        if self.root.exists() and not self.root.is_symlink():
            if not self.root.is_dir() or any(self.root.iterdir()):
                raise PublicationError(f"{self.root} exists and is not a publication written by ocds-pipeline "
                                       f"(a link to a version in {self.home}): move it away first")
            self.root.rmdir()
        self.home.mkdir(exist_ok=True)
        for stale in self.home.glob("*.partial"):
            shutil.rmtree(stale)  # left by a publish that was interrupted
        numbers = [int(p.name) for p in self.home.iterdir() if p.name.isdigit()]
        staged = self.home / f"{max(numbers, default=0) + 1:06d}.partial"
        staged.mkdir()
        checkpoint("publication.staged")
        return staged

    def state(self, name: str) -> Path:
        """A folder for the publication's private state (``<versions>/state/<name>``): never published,
        kept across versions, rebuilt when deleted."""
        return self.home / "state" / name

    def carry(self, staged: Path, relative: str) -> bool:
        """Hard-link one file of the current version into ``staged`` (copy where links are impossible)."""
        current = self.current()
        source = current / relative if current else None
        if source is None or not source.is_file():
            return False
        target = staged / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)
        return True

    def swap(self, staged: Path) -> Path:
        """Make ``staged`` the publication, atomically; drop versions older than the previous one."""
        final = staged.with_suffix("")
        staged.rename(final)
        link = self.root.parent / f".{self.root.name}.link"
        link.unlink(missing_ok=True)
        link.symlink_to(os.path.relpath(final, self.root.parent))
        checkpoint("publication.before_swap")
        os.replace(link, self.root)
        checkpoint("publication.after_swap")
        versions = sorted(p for p in self.home.iterdir() if p.name.isdigit())
        for old in versions[:-KEEP]:
            shutil.rmtree(old)
            checkpoint("publication.pruned")
        return final

    def discard(self, staged: Path) -> None:
        shutil.rmtree(staged, ignore_errors=True)
