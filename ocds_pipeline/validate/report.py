"""A validation report people can act on: findings grouped and counted like the Data Review Tool.

Each finding names the ocid, release id, JSON path, the offending value (truncated) and a
one-line explanation; groups fold array indexes, so one problem repeated a million times is one
group with its count and a few examples. Reports from blocks of a file merge in file order.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from .html import Markup, page, table

INDEX = re.compile(r"/\d+(?=/|$)")
EXAMPLES = 5


@dataclass(frozen=True)
class Finding:
    """One problem: where (ocid, release id, JSON path), what (check, value) and why (message)."""

    check: str
    ocid: str
    release_id: str
    path: str
    value: str
    message: str


@dataclass
class Group:
    check: str
    path: str
    message: str
    count: int = 0
    examples: list[Finding] = field(default_factory=list)


@dataclass
class ValidationReport:
    """Findings grouped by check and path (array indexes folded), with counts and examples."""

    source: str
    releases: int = 0  # documents checked: releases, or projects for an OC4IDS package (see unit)
    unit: str = "releases"
    extensions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    groups: dict[tuple[str, str, str], Group] = field(default_factory=dict)
    notes: dict[tuple[str, str, str], Group] = field(default_factory=dict)

    def add(self, finding: Finding) -> None:
        """Record an error."""
        _record(self.groups, finding)

    def add_note(self, finding: Finding) -> None:
        """Record something worth a look that is not an error (counted apart)."""
        _record(self.notes, finding)

    def merge(self, other: "ValidationReport") -> None:
        """Add the counts and examples of a report on a later part of the same file."""
        self.releases += other.releases
        for mine, theirs in ((self.groups, other.groups), (self.notes, other.notes)):
            for key, group in theirs.items():
                into = mine.setdefault(key, Group(*key))
                into.count += group.count
                into.examples.extend(group.examples[: EXAMPLES - len(into.examples)])

    @property
    def errors(self) -> int:
        return sum(g.count for g in self.groups.values())

    @property
    def note_count(self) -> int:
        return sum(g.count for g in self.notes.values())

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, self.unit: self.releases, "errors": self.errors, "notes": self.note_count,
                "extensions": self.extensions, "warnings": self.warnings,
                "groups": [_group_dict(g) for g in self.sorted_groups()],
                "note_groups": [_group_dict(g) for g in _sorted(self.notes)]}

    def sorted_groups(self) -> list[Group]:
        return _sorted(self.groups)

    def html(self) -> str:
        """A self-contained page: summary, then each group with its count and examples."""
        summary: list[Any] = [Markup(f"<p>{self.releases:,} {self.unit}, <strong>{self.errors:,} errors</strong> in "
                                     f"{len(self.groups):,} groups; {self.note_count:,} notes.</p>")]
        if self.extensions:
            summary.append("Extensions applied: " + ", ".join(self.extensions))
        summary += [f"Warning: {w}" for w in self.warnings]
        sections = [("Summary", summary)]
        for title, groups in (("Errors", self.sorted_groups()), ("Notes (values outside open codelists)", _sorted(self.notes))):
            if groups:
                sections.append((title, [table(["check", "path", "count", "explanation"],
                                               [[g.check, g.path or "/", f"{g.count:,}", g.message] for g in groups], numeric=[2])]))
                for group in groups:
                    sections.append((f"{group.check} at {group.path or '/'} ({group.count:,})", [
                        group.message,
                        table([*self._names(), "path", "value"], [[e.ocid, e.release_id, e.path, e.value] for e in group.examples])]))
        return page(f"Validation of {self.source}", sections)

    def _names(self) -> tuple[str, str]:
        """What the two identifying columns hold."""
        return ("project", "-") if self.unit == "projects" else ("ocid", "release")

    def markdown(self) -> str:
        lines = [f"# Validation of {self.source}", "",
                 f"{self.releases:,} {self.unit}, **{self.errors:,} errors** in {len(self.groups)} groups; "
                 f"{self.note_count:,} notes.", ""]
        if self.extensions:
            lines += ["Extensions applied: " + ", ".join(f"`{e}`" for e in self.extensions), ""]
        lines += [f"- warning: {w}" for w in self.warnings] + ([""] if self.warnings else [])
        for title, groups in (("", self.sorted_groups()), ("note: ", _sorted(self.notes))):
            for group in groups:
                lines += [f"## {title}{group.check} at `{group.path or '/'}` ({group.count:,})", "", group.message, "",
                          "| {} | {} | path | value |".format(*self._names()), "|---|---|---|---|"]
                lines += [f"| {_cell(e.ocid)} | {_cell(e.release_id)} | `{_cell(e.path)}` | `{_cell(e.value)}` |"
                          for e in group.examples]
                lines.append("")
        return "\n".join(lines)


def _record(groups: dict[tuple[str, str, str], Group], finding: Finding) -> None:
    """Count a finding in its group (check, path with array indexes folded, message shape)."""
    key = (finding.check, INDEX.sub("/[]", "/" + finding.path).lstrip("/"), _message_shape(finding.message))
    group = groups.setdefault(key, Group(*key))
    group.count += 1
    if len(group.examples) < EXAMPLES:
        group.examples.append(finding)


def _message_shape(message: str) -> str:
    """The message with its quoted value removed, so that the same problem groups together."""
    return re.sub(r"^.*? is not one of", "value is not one of", re.sub(r"^'[^']*'|^\"[^\"]*\"|^-?\d[\d.e+-]*", "value", message))


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _sorted(groups: dict[tuple[str, str, str], Group]) -> list[Group]:
    return sorted(groups.values(), key=lambda g: (-g.count, g.check, g.path))


def _group_dict(group: Group) -> dict[str, Any]:
    return {"check": group.check, "path": group.path, "message": group.message, "count": group.count,
            "examples": [asdict(e) for e in group.examples]}
