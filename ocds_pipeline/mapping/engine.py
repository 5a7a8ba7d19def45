"""Run declarative mapping files: each rule puts one source value (transformed) at one OCDS path.

A mapping file (``mappings/<source>/<section>.yaml``) lists rules::

    - path: tender/value            # where, relative to the enclosing object
      source: procedure.presupuesto_referencial   # <binding>.<column> in the context
      transform: value              # a name from transforms.TRANSFORMS
      args: {…}                     # the transform's options
      notes: …                      # for docs/mapping.md
    - path: tender/items
      for_each: items               # a list in the context; each element bound to `as`
      as: item
      fields: [ …rules relative to one array element… ]

``const`` gives a fixed value; ``sources`` (a list) passes a tuple of values to the transform.
Empty values, objects and lists are omitted, so releases carry only what the source has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from ..resources import data_path, read_yaml
from .transforms import TRANSFORMS

Context = dict[str, Any]


class MappingError(Exception):
    """A mapping file is malformed (unknown transform, bad path, missing key)."""


@dataclass
class Rule:
    path: tuple[str, ...]
    source: str | None = None
    sources: tuple[str, ...] = ()
    const: Any = None
    transform: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    for_each: str | None = None
    binding: str | None = None
    fields: list["Rule"] = field(default_factory=list)
    notes: str = ""
    getter: Callable[[Context], Any] = field(default=None, repr=False)

    def describe_source(self) -> str:
        if self.for_each:
            return f"one per `{self.for_each}`"
        if self.const is not None:
            return f"constant `{self.const}`"
        return ", ".join(f"`{s}`" for s in (self.sources or (self.source,)))


def _reader(spec: str, where: str) -> Callable[[Context], Any]:
    binding, *keys = spec.split(".")
    if not keys:
        raise MappingError(f"{where}: source {spec!r} must be <binding>.<column>[.<column>…]")

    def read(ctx: Context) -> Any:
        value = ctx.get(binding)
        for key in keys:
            if value is None:
                return None
            value = value.get(key)
        return value

    return read


def _compile(raw: dict[str, Any], where: str, directory: Path) -> Rule:
    if "path" not in raw:
        raise MappingError(f"{where}: every rule needs a path")
    unknown = set(raw) - {"path", "source", "sources", "const", "transform", "args", "for_each", "as", "fields",
                          "include", "notes"}
    if unknown:
        raise MappingError(f"{where}: unknown keys {sorted(unknown)} in rule for {raw['path']}")
    rule = Rule(path=tuple(raw["path"].split("/")), source=raw.get("source"), sources=tuple(raw.get("sources", ())),
                const=raw.get("const"), transform=raw.get("transform"), args=raw.get("args") or {},
                for_each=raw.get("for_each"), binding=raw.get("as"), notes=raw.get("notes", ""))
    where = f"{where} {raw['path']}"
    if rule.for_each:
        if "include" in raw:
            raw_fields = _read(directory / f"{raw['include']}.yaml")["fields"]
        else:
            raw_fields = raw.get("fields", [])
        rule.fields = [_compile(r, where, directory) for r in raw_fields]
        if not rule.binding:
            raise MappingError(f"{where}: for_each needs `as`")
        if "." in rule.for_each:
            rule.getter = _reader(rule.for_each, where)
        else:
            collection = rule.for_each
            rule.getter = lambda ctx: ctx.get(collection)
        return rule
    if rule.transform is not None and rule.transform not in TRANSFORMS:
        raise MappingError(f"{where}: unknown transform {rule.transform!r} (known: {', '.join(sorted(TRANSFORMS))})")
    transform = TRANSFORMS.get(rule.transform) if rule.transform else None
    args = rule.args
    if rule.const is not None:
        constant = rule.const
        rule.getter = lambda ctx: constant
    elif rule.sources:
        readers = [_reader(s, where) for s in rule.sources]
        rule.getter = lambda ctx: transform(tuple(r(ctx) for r in readers), args)
    elif rule.source:
        read = _reader(rule.source, where)
        rule.getter = (lambda ctx: transform(read(ctx), args)) if transform else read
    else:
        raise MappingError(f"{where}: a rule needs source, sources, const or for_each")
    return rule


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _put(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


def apply(rules: list[Rule], ctx: Context) -> dict[str, Any]:
    """Build the object described by ``rules`` from the context; empty values are left out."""
    out: dict[str, Any] = {}
    for rule in rules:
        if rule.for_each:
            elements = []
            for element in rule.getter(ctx) or ():
                ctx[rule.binding] = element
                built = apply(rule.fields, ctx)
                if built:
                    elements.append(built)
            ctx.pop(rule.binding, None)
            value = elements
        else:
            value = rule.getter(ctx)
        if not _is_empty(value):
            _put(out, rule.path, value)
    return out


@dataclass
class Section:
    """One mapping file: its name, a description and its compiled rules."""

    name: str
    description: str
    rules: list[Rule]
    root: str = ""  # where the built objects go in a release, for sections that build parts of one

    def apply(self, ctx: Context) -> dict[str, Any]:
        return apply(self.rules, ctx)


def _read(path: Path) -> dict[str, Any]:
    try:
        doc = read_yaml(path)
    except (OSError, yaml.YAMLError) as error:
        raise MappingError(f"cannot read mapping {path}: {error}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("fields"), list):
        raise MappingError(f"{path}: a mapping file is a mapping with a `fields` list")
    return doc


def load_section(name: str, source: str = "sercop", directory: Path | None = None) -> Section:
    """Load and compile ``mappings/<source>/<name>.yaml`` (or ``directory/<name>.yaml``)."""
    directory = directory or data_path("mappings", source)
    doc = _read(directory / f"{name}.yaml")
    where = f"{directory.name}/{name}.yaml"
    rules = [_compile(r, where, directory) for r in doc["fields"]]
    return Section(name, doc.get("description", ""), rules, doc.get("root", ""))
