"""What one output publishes of natural persons: the configured actions applied to OCDS documents.

A policy is resolved once per output (:func:`resolve`: privacy.yaml's defaults under the configuration's
``privacy`` section) and then applied to each process's documents. Nothing is parsed when the policy
publishes everything, or when no body holds a field the policy touches, so the common case costs a
substring search.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

import orjson

from ..resources import data_path, read_yaml
from .masks import MASKERS, PSEUDONYM_PREFIX, Pseudonyms
from .persons import Recognition, natural_ruc

if TYPE_CHECKING:
    from ..config import Config
    from ..publish.records import CompiledProcess

KEY_VARIABLE = "OCDS_PIPELINE_PRIVACY_KEY"
MIN_KEY_LENGTH = 16
FieldPath = tuple[str, ...]  # a path below a party: ('contactPoint', 'email')


class PrivacyError(ValueError):
    """The ``privacy`` configuration names an unknown output, field or action, or masking has no key."""


@lru_cache(maxsize=1)
def declared() -> dict[str, Any]:
    """schemas/publication/privacy.yaml: outputs, recognition rules, fields and defaults."""
    return read_yaml(data_path("schemas", "publication", "privacy.yaml"))


def resolve(configured: Any) -> dict[str, dict[str, str]]:
    """Each output's action per field: the declared defaults, overridden by the configuration's section."""
    rules = declared()
    actions = {output: dict(defaults) for output, defaults in rules["defaults"].items()}
    if not isinstance(configured, dict):
        raise PrivacyError(f"privacy must be a mapping of outputs ({', '.join(rules['outputs'])}), got {configured!r}")
    for output, chosen in configured.items():
        if output not in rules["outputs"]:
            raise PrivacyError(f"privacy: unknown output {output!r} (known: {', '.join(rules['outputs'])})")
        if not isinstance(chosen, dict):
            raise PrivacyError(f"privacy.{output} must map fields to actions, got {chosen!r}")
        for name, action in chosen.items():
            if name not in rules["fields"]:
                raise PrivacyError(f"privacy.{output}: unknown field {name!r} (known: {', '.join(rules['fields'])})")
            allowed = rules["fields"][name]["actions"]
            if action not in allowed:
                raise PrivacyError(f"privacy.{output}.{name} must be one of {', '.join(allowed)}, got {action!r}")
            actions[output][name] = action
    return actions


def _path(text: str) -> FieldPath:
    return tuple(text.split("/"))


@dataclass(frozen=True)
class _Rewrite:
    """One process's natural persons: their party ids, and the strings that replace their identifiers."""

    persons: frozenset[str]
    pattern: re.Pattern[str] | None = None
    replacements: dict[str, str] | None = None

    def text(self, value: str) -> str:
        if self.pattern is None or self.replacements is None:
            return value
        replacements = self.replacements
        return self.pattern.sub(lambda match: replacements[match.group(0)], value)


class Privacy:
    """The policy of one output (``ocds``, ``spreadsheets``, ``site`` or ``api``) over OCDS documents."""

    def __init__(self, output: str, actions: dict[str, str], key: str | None = None) -> None:
        rules = declared()
        self.output, self.actions = output, actions
        self.recognition = Recognition.of(rules["natural_persons"])
        self.removals: list[FieldPath] = []
        self.maskers: list[tuple[FieldPath, Callable[[Any], Any]]] = []
        for name, action in actions.items():
            field = rules["fields"][name]
            if action == "drop":
                self.removals += [_path(p) for p in field["drop"]]
            elif action == "mask" and "masked" in field:
                self.removals += [_path(p) for p in field["masked"]]
            elif action == "mask" and "masker" in field:
                self.maskers += [(_path(p), MASKERS[field["masker"]]) for p in field["drop"]]
        self.pseudonyms: Pseudonyms | None = None
        if actions.get("identifier") == "mask":
            if not key or len(key) < MIN_KEY_LENGTH:
                raise PrivacyError(f"privacy.{output}.identifier is mask: set {KEY_VARIABLE} to a secret of at least "
                                   f"{MIN_KEY_LENGTH} characters, and keep it: the pseudonyms are made from it")
            self.pseudonyms = Pseudonyms(key.encode("utf-8"))
        self.active = bool(self.removals or self.maskers or self.pseudonyms)
        self._touched = [*self.removals, *(path for path, _ in self.maskers)]
        self._keys = tuple({f'"{path[-1]}"'.encode() for path in self._touched})

    @classmethod
    def of(cls, config: "Config", output: str) -> "Privacy":
        """The policy the configuration sets for ``output``; the key, when masking, from the environment."""
        return cls(output, resolve(config.privacy)[output], os.environ.get(KEY_VARIABLE))

    def fingerprint(self) -> str:
        """What decides this output's bytes besides the data: the actions, and which key makes the pseudonyms."""
        actions = ",".join(f"{name}={action}" for name, action in sorted(self.actions.items()))
        return f"{self.output}:{actions}:{self.pseudonyms.fingerprint() if self.pseudonyms else ''}"

    def hides(self, identifier: str) -> bool:
        """Whether ``identifier`` (a party id or a RUC) is a natural person's this output masks: a filter on
        it would tell whether that person took part."""
        return self.pseudonyms is not None and (self.recognition.by_id(identifier) or natural_ruc(identifier))

    # -- applying it --------------------------------------------------------------------------
    def _touches(self, body: bytes) -> bool:
        """Whether this body may hold something to change (a substring search, no parsing)."""
        if self.pseudonyms is not None:
            return True
        return any(key in body for key in self._keys)

    def _holds(self, document: Any) -> bool:
        """Whether a release's parties hold something this policy changes (without walking the release); a
        document without top-level parties (a record, a package) is walked."""
        if self.pseudonyms is not None or not isinstance(document, dict) or not isinstance(document.get("parties"), list):
            return True
        return any(_present(party, path) for party in document["parties"] for path in self._touched)

    def plan(self, documents: Iterable[Any]) -> _Rewrite:
        """The natural persons among these documents' parties, at any depth, and among the ids that embed a
        natural person's RUC (a reference whose party is in another release), with their pseudonyms when
        identifiers are masked."""
        found: dict[str, list[str]] = {}
        for document in documents:
            for party, reference in _organisations(document):
                if party is not None and isinstance(party.get("id"), str) and self.recognition.natural(party) \
                        and not party["id"].startswith(PSEUDONYM_PREFIX):  # masked already
                    found[party["id"]] = _identifiers(party)
                elif reference is not None and reference not in found and self.recognition.by_id(reference):
                    found[reference] = [self.recognition.embedded(reference)]
        if self.pseudonyms is None or not found:
            return _Rewrite(frozenset(found))
        replacements: dict[str, str] = {}
        for party_id, identifiers in found.items():
            replacements[party_id] = self.pseudonyms.party_id(identifiers[0] if identifiers else party_id)
            for value in identifiers:
                replacements.setdefault(value, self.pseudonyms.token(value))
        secrets = sorted((value for value in replacements if len(value) >= 6 or value in found), key=len, reverse=True)
        return _Rewrite(frozenset(found), re.compile("|".join(map(re.escape, secrets))), replacements)

    def document(self, document: Any, plan: _Rewrite | None = None) -> Any:
        """``document`` (a release, compiled release, record or project, changed in place) under this policy."""
        if not self.active or (plan is None and not self._holds(document)):
            return document
        plan = plan or self.plan([document])
        return self._walk(document, plan) if plan.persons else document

    def body(self, body: bytes | str, plan: _Rewrite | None = None) -> bytes:
        """A JSON body under this policy: the same bytes when there is nothing to change."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        if not self.active or not self._touches(data):
            return data
        document = orjson.loads(data)
        plan = plan or self.plan([document])
        return orjson.dumps(self._walk(document, plan)) if plan.persons else data

    def process(self, process: "CompiledProcess") -> "CompiledProcess":
        """A process's release bodies, record, compiled release and project input under this policy."""
        if not self.active:
            return process
        everything = [*process.bodies, process.record, *([process.compiled] if process.compiled else [])]
        if not any(self._touches(body) for body in everything):
            return process
        compiled = orjson.loads(process.compiled) if process.compiled is not None else None
        releases = [orjson.loads(body) for body in process.bodies]
        plan = self.plan([compiled, *releases] if compiled is not None else releases)
        if not plan.persons:
            return process
        project_input = process.project_input
        if project_input is not None:
            project_input = tuple(self._walk(part, plan) for part in project_input)  # type: ignore[assignment]
        return replace(process, bodies=[orjson.dumps(self._walk(release, plan)) for release in releases],
                       record=self.body(process.record, plan),
                       compiled=orjson.dumps(self._walk(compiled, plan)) if compiled is not None else None,
                       project_input=project_input)

    def group(self, compiled: dict[str, Any], bodies: list[bytes]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """A process's compiled release and its releases (parsed from ``bodies``) under this policy, one plan for all."""
        releases = [orjson.loads(body) for body in bodies]
        plan = self.plan([compiled, *releases]) if self.active else None
        if plan is None or not plan.persons:
            return compiled, releases
        return self._walk(compiled, plan), [self._walk(release, plan) for release in releases]

    def _walk(self, node: Any, plan: _Rewrite) -> Any:
        if isinstance(node, dict):
            parties = node.get("parties")
            if isinstance(parties, list):
                for party in parties:
                    if isinstance(party, dict) and party.get("id") in plan.persons:
                        self._party(party)
            for key, value in node.items():
                node[key] = self._walk(value, plan)
            return node
        if isinstance(node, list):
            return [self._walk(item, plan) for item in node]
        if isinstance(node, str):
            return plan.text(node)
        return node

    def _party(self, party: dict[str, Any]) -> None:
        for path in self.removals:
            _remove(party, path)
        for path, masker in self.maskers:
            _mask(party, path, masker)
        if self.pseudonyms is not None:
            party.pop("additionalIdentifiers", None)
            identifier = party.get("identifier")
            if isinstance(identifier, dict):
                kept = {key: value for key, value in identifier.items() if key == "legalName"}
                if kept:
                    party["identifier"] = kept
                else:
                    del party["identifier"]


def _organisations(node: Any) -> Iterator[tuple[dict[str, Any] | None, str | None]]:
    """(party, None) for every party of a document at any depth (a record's compiled and versioned releases,
    a package's releases), and (None, id) for every other object's string ``id`` (references among them)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "parties" and isinstance(value, list):
                for party in value:
                    if isinstance(party, dict):
                        yield party, None
                        yield from _organisations(party)
            elif key == "id" and isinstance(value, str):
                yield None, value
            elif isinstance(value, (dict, list)):
                yield from _organisations(value)
    elif isinstance(node, list):
        for item in node:
            yield from _organisations(item)


def _identifiers(party: dict[str, Any]) -> list[str]:
    """The values that identify a party, its main identifier first (plain or versioned releases)."""
    values = []
    for identifier in [party.get("identifier"), *(party.get("additionalIdentifiers") or [])]:
        if isinstance(identifier, dict):
            value = identifier.get("id")
            if isinstance(value, list):  # a versioned release: [{releaseID, value, …}]
                values += [str(v["value"]) for v in value if isinstance(v, dict) and v.get("value") not in (None, "")]
            elif value not in (None, ""):
                values.append(str(value))
    return list(dict.fromkeys(values))


def _present(node: Any, path: FieldPath) -> bool:
    if isinstance(node, list):
        return any(_present(item, path) for item in node)
    if not isinstance(node, dict) or path[0] not in node:
        return False
    return len(path) == 1 or _present(node[path[0]], path[1:])


def _remove(node: Any, path: FieldPath) -> bool:
    """Remove ``path`` under ``node`` (through arrays); True when ``node`` is left empty."""
    if isinstance(node, list):
        for item in node:
            _remove(item, path)
        return not any(item for item in node)
    if not isinstance(node, dict) or path[0] not in node:
        return False
    if len(path) == 1 or _remove(node[path[0]], path[1:]):
        del node[path[0]]
    return not node


def _mask(node: Any, path: FieldPath, masker: Callable[[Any], Any]) -> None:
    if isinstance(node, list):
        for item in node:
            _mask(item, path, masker)
    elif isinstance(node, dict) and path[0] in node:
        if len(path) > 1:
            _mask(node[path[0]], path[1:], masker)
        elif isinstance(node[path[0]], list):  # versioned: [{releaseID, value, …}]
            for version in node[path[0]]:
                if isinstance(version, dict) and "value" in version:
                    version["value"] = masker(version["value"])
        else:
            node[path[0]] = masker(node[path[0]])
