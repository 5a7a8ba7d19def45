"""Read OC4IDS project packages as a stream of projects, in the memory of one project."""

from __future__ import annotations

import io
import json
import zlib
from pathlib import Path
from typing import IO, Any, Iterator

import ijson

from .ocds import NotOCDSError, is_plain, open_inputs
from .package_ends import WINDOW, package_head, package_tail

HEAD = 1 << 20


def _open(path: Path) -> Iterator[IO[bytes]]:
    """The project package's stream (the first file of a zip archive), decompressed, past any BOM."""
    for _, _, stream in open_inputs(Path(path)):
        yield stream
        return


def is_project_package(path: Path) -> bool:
    """True when the file is a JSON object whose first data key is ``projects`` (not releases or records)."""
    try:
        head = next((handle.read(HEAD) for handle in _open(Path(path))), b"")
    except (OSError, EOFError, zlib.error):  # unreadable: the OCDS reader says why
        return False
    try:
        for prefix, event, value in ijson.parse(io.BytesIO(head)):
            if prefix == "" and event == "map_key" and value in ("projects", "releases", "records", "ocid"):
                return value == "projects"
            if prefix == "" and event in ("start_array", "end_map"):
                return False
    except ijson.JSONError:  # the head ends mid-document, or the file is not JSON: not decided here
        return False
    return False


def read_projects(path: Path) -> Iterator[Any]:
    """Each item of the package's ``projects`` array (objects are projects; the caller checks the rest)."""
    for handle in _open(Path(path)):
        try:
            yield from ijson.items(handle, "projects.item", use_float=True)
        except ijson.JSONError as error:
            raise NotOCDSError(f"{Path(path).name}: not valid JSON ({' '.join(str(error).split())})") from None


def project_package_fields(path: Path) -> dict[str, Any] | None:
    """The package's own fields (all but ``projects``): from both ends of a big plain file, or from the
    whole package when it is small (an empty package has no first project to find); None when not found."""
    path = Path(path)
    if is_plain(path) and path.stat().st_size > WINDOW:
        with open(path, "rb") as handle:
            head = package_head(handle.read(WINDOW), keys=("projects",))
        tail = package_tail(path, "projects") if head is not None else None
        return None if head is None or tail is None else {**head[0], **tail}
    for handle in _open(path):
        data = handle.read(WINDOW + 1)
        if len(data) > WINDOW:
            return None
        try:
            package = json.loads(data)
        except (ValueError, RecursionError):
            return None
        return {k: v for k, v in package.items() if k != "projects"} if isinstance(package, dict) else None
    return None
