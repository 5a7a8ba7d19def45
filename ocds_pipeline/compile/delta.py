"""The correction release: what takes a published compiled release to today's, by the merge rules.

Merged with the releases already published, the correction gives a compiled release equal to
today's: a changed value is restated, a value that is gone is published as ``null`` (what OCDS
uses to remove one; fields the schema does not let be null, ids, stay), a new object in a merged
array is published whole, and an object whose row is gone gets the marker declared in
``mappings/<source>/corrections.yaml`` (OCDS cannot remove an object from an array). Each object
the correction touches repeats its required fields. The
correction is empty when the two compiled releases already agree, so computing it again after
it was published adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


from ..mapping.lifecycle import content_id
from ..resources import data_path, read_yaml
from .merge import MergeConflict, Merger, _is_leaf, id_key
from .rules import OMIT, Fields, RuleTree

OWN = frozenset({"id", "date", "tag"})  # the compiled release's own fields, not merged
# The releaseTag codelist's order (OCDS 1.1), in which a correction lists its tags.
TAG_ORDER = ("planning", "planningUpdate", "tender", "tenderAmendment", "tenderUpdate", "tenderCancellation",
             "award", "awardUpdate", "awardCancellation", "contract", "contractUpdate", "contractAmendment",
             "implementation", "implementationUpdate", "contractTermination")
Path = tuple[str, ...]


class CorrectionError(ValueError):
    """Two compiled releases cannot be reconciled by merging (an object in an array has no id)."""


@dataclass(frozen=True)
class CorrectionRules:
    """Markers of deleted objects and tags of changes, by array path (``contracts/amendments``)."""

    deleted: dict[str, dict[str, Any]]
    tags: dict[str, dict[str, Any]]

    @classmethod
    def load(cls, source: str = "sercop") -> "CorrectionRules":
        doc = read_yaml(data_path("mappings", source, "corrections.yaml"))
        return cls(doc.get("deleted") or {}, doc.get("tags") or {})

    def tag(self, path: Path, kind: str, status: Any = None) -> str:
        """The tag of a change: ``kind`` (added, changed, deleted) of the object at ``path``."""
        for end in range(len(path), -1, -1):
            rule = self.tags.get("/".join(path[:end]))
            if rule is None:
                continue
            if end < len(path):  # a change deeper down changes this object
                return rule["changed"]
            if status is not None and status in (rule.get("status") or {}):
                return rule["status"][status]
            return rule.get(kind) or rule["changed"]
        raise CorrectionError(f"no tag for a change at /{'/'.join(path)}: add a root entry to corrections.yaml")


@dataclass
class Correction:
    """The fields a correction release carries, and the tags of the changes in them."""

    patch: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.patch)


def _empty(value: Any) -> bool:
    """Nothing published: absent or null, or objects and arrays holding only such values."""
    if type(value) is dict:
        return all(_empty(item) for item in value.values())
    if type(value) is list:
        return all(_empty(item) for item in value)
    return value is None


def _subrules(rules: RuleTree | None, key: str) -> RuleTree | None:
    rule = rules.get(key) if rules else None
    return rule if type(rule) is dict else None


class Corrector:
    """Computes corrections with the merge rules and field rules (required, non-nullable) of one release schema."""

    def __init__(self, rules: RuleTree, fields: Fields, correction_rules: CorrectionRules) -> None:
        self.rules = rules
        self.fields = fields
        self.correction_rules = correction_rules

    def correction(self, current: dict[str, Any], target: dict[str, Any]) -> Correction:
        """What turns the compiled release ``current`` into ``target`` (both compiled releases)."""
        events: set[str] = set()
        top = Fields((), self.fields.not_null, self.fields.children)  # the release's own required fields are the caller's
        patch = self._object(current, target, self.rules, top, (), events)
        order = {tag: number for number, tag in enumerate(TAG_ORDER)}
        return Correction(patch, sorted(events, key=lambda tag: order.get(tag, len(order))))

    # -- objects -------------------------------------------------------------------------------
    def _object(self, current: dict[str, Any], target: dict[str, Any], rules: RuleTree | None, fields: Fields,
                path: Path, events: set[str]) -> dict[str, Any]:
        patch: dict[str, Any] = {}
        changed = False
        for key in [*target, *(k for k in current if k not in target)]:
            if not path and key in OWN:
                continue
            rule = rules.get(key) if rules else None
            if rule is OMIT:
                continue
            new, old = target.get(key), current.get(key)
            here = path + (key,)
            if _empty(new):
                if not _empty(old) and key not in fields.not_null:
                    cleared = self._clear(old, rule, fields.child(key), here, events)
                    if cleared is not _UNCHANGED:
                        patch[key] = cleared
                        changed = changed or _is_leaf(old, rule)
                continue
            leaf = _is_leaf(new, rule)
            if old is not None and not _empty(old) and (leaf != _is_leaf(old, rule) or (
                    not leaf and type(old) is not type(new))):
                raise MergeConflict(here, "the published value and today's are of different kinds (value, object, array)")
            if leaf:
                if old != new:
                    patch[key] = new
                    if key == "status":  # a status may name its own tag (tenderCancellation…)
                        events.add(self.correction_rules.tag(path, "changed", new))
                    else:
                        changed = True
            elif type(new) is dict:
                sub = self._object(old or {}, new, _subrules(rules, key), fields.child(key), here, events)
                if sub:
                    patch[key] = sub
            else:
                elements = self._array(old or [], new, _subrules(rules, key), fields.child(key), here, events)
                if elements:
                    patch[key] = elements
        if changed:
            events.add(self.correction_rules.tag(path, "changed"))
        if patch:
            for name in fields.required:
                value = target.get(name, current.get(name))
                if name not in patch and value is not None:
                    patch[name] = value
        return patch

    # -- arrays merged by id ---------------------------------------------------------------------
    def _array(self, current: list[Any], target: list[Any], rules: RuleTree | None, fields: Fields,
               path: Path, events: set[str]) -> list[dict[str, Any]]:
        published = {id_key(element["id"]): element for element in map(_identified(path), current)}
        elements, seen = [], set()
        for element in map(_identified(path), target):
            key = id_key(element["id"])
            seen.add(key)
            old = published.get(key)
            if old is None or _empty({k: v for k, v in old.items() if k != "id"}):
                elements.append(element)  # new, or back after its row was deleted: published whole
                self._added(element, path, events)
                continue
            sub = self._object(old, element, rules, fields, path, events)
            if sub:
                elements.append({"id": element["id"], **{k: v for k, v in sub.items() if k != "id"}})
        for key, old in published.items():
            if key not in seen:
                marked = self._mark(old, rules, fields, path, events)
                if marked:
                    elements.append(marked)
        return elements

    def _added(self, value: dict[str, Any], path: Path, events: set[str], tagged: bool = True) -> None:
        """Tag an object published whole, and each object in it whose array has tags of its own."""
        if tagged:
            events.add(self.correction_rules.tag(path, "added"))
        for key, item in value.items():
            here = path + (key,)
            own = type(item) is list and "/".join(here) in self.correction_rules.tags
            for element in (item if type(item) is list else [item]):
                if type(element) is dict:
                    self._added(element, here, events, own)

    def _mark(self, old: dict[str, Any], rules: RuleTree | None, fields: Fields, path: Path,
              events: set[str]) -> dict[str, Any] | None:
        """The marker of an object whose row is gone, or None when it already carries it."""
        marker = self.correction_rules.deleted.get("/".join(path))
        if marker is None:  # every field but the ids cleared
            sub = self._object(old, {"id": old["id"]}, rules, fields, path, set())  # one deletion, not updates
        else:  # the marker's values, as they are (an empty list of roles included)
            sub = {key: value for key, value in marker.items() if old.get(key) != value}
            if sub:
                sub.update((name, old[name]) for name in fields.required if name not in sub and old.get(name) is not None)
        if not sub:
            return None
        events.add(self.correction_rules.tag(path, "deleted"))
        return {"id": old["id"], **{k: v for k, v in sub.items() if k != "id"}}

    def _clear(self, old: Any, rule: Any, fields: Fields, path: Path, events: set[str]) -> Any:
        """``old`` published as gone: null for a value, each field cleared for an object, each object marked."""
        if _is_leaf(old, rule):
            return None
        if type(old) is dict:
            patch = {}
            for key, value in old.items():
                if not _empty(value) and key not in fields.not_null:
                    cleared = self._clear(value, rule.get(key) if type(rule) is dict else None, fields.child(key),
                                          path + (key,), events)
                    if cleared is not _UNCHANGED:
                        patch[key] = cleared
            if patch:
                events.add(self.correction_rules.tag(path, "changed"))
            return patch or _UNCHANGED
        elements = self._array(old, [], rule if type(rule) is dict else None, fields, path, events)
        return elements or _UNCHANGED


_UNCHANGED = object()  # what clearing something already cleared gives


def _identified(path: Path):
    def check(element: Any) -> dict[str, Any]:
        if type(element) is not dict or "id" not in element:
            raise CorrectionError(f"/{'/'.join(path)}: an object without an id cannot be corrected by merging")
        return element

    return check


def correction_release(published: list[dict[str, Any]], releases: list[dict[str, Any]], merger: Merger,
                       corrector: Corrector, date: str) -> dict[str, Any] | None:
    """The release that makes a process's ``published`` releases compile like today's ``releases``.

    None when they already agree. Its id is ``update-<digest of its content>``, like a mapped
    release's; ``date`` is when the change was recorded (``store.incremental.recorded_date``).
    """
    current, target = merger.compiled(published), merger.compiled(releases)
    correction = corrector.correction(current, target)
    if not correction:
        return None
    release = {"ocid": target["ocid"], "id": "", "date": date, "tag": correction.tags,
               "initiationType": target.get("initiationType", current.get("initiationType")), **correction.patch}
    release["id"] = content_id("update", release)
    return release
