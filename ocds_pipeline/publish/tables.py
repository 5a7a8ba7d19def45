"""Flatten compiled releases into the publication's linked tables, as flatten-tool lays them out.

The tables and their columns are declared in ``schemas/publication/tables.yaml``. A table holds
the objects of one array (or the releases themselves), a row per object, linked to its process by
``ocid`` and release ``id`` and to the objects above it by their ``id``. Headers are Spanish
titles joined by ":" along each path, read from a copy of the release schema whose titles are
translated (``schemas/publication/titles.es.yaml``): the header flatten-tool writes with
``--use-titles``, so that ``flatten-tool unflatten --convert-titles --schema release-schema.es.json``
turns the tables back into JSON. Rows stream: memory follows one compiled release.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterator

import orjson

from ..resources import data_path, read_yaml

_TYPES = {"string": "string", "number": "number", "integer": "integer", "array": "array", "boolean": "boolean"}


class SchemaWalk:
    """Titles, descriptions and types of the fields of a release schema, by path."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema

    def _resolve(self, node: dict[str, Any], owner: str, key: str) -> tuple[dict[str, Any], str]:
        """The schema an object property leads to (through $ref or array items) and its owner name."""
        target = node
        if "items" in target:
            target = target["items"]
        if "$ref" in target:
            name = target["$ref"].rsplit("/", 1)[1]
            return self.schema["definitions"][name], name
        return target, f"{owner}.{key}"

    def nodes(self, path: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
        """Each step of ``path`` as (owner.property key, the property's schema)."""
        steps, node, owner = [], self.schema, "Release"
        for key in path:
            prop = node.get("properties", {}).get(key)
            if prop is None:
                raise KeyError(f"{'/'.join(path)}: {key!r} is not in the release schema")
            steps.append((f"{owner}.{key}", prop))
            node, owner = self._resolve(prop, owner, key)
        return steps

    def leaf_type(self, path: tuple[str, ...]) -> str:
        prop = self.nodes(path)[-1][1]
        if "$ref" in prop:
            return "object"
        types = prop.get("type", "string")
        kind = next((t for t in ([types] if isinstance(types, str) else types) if t != "null"), "string")
        if kind == "string" and prop.get("format") == "date-time":
            return "datetime"
        return _TYPES.get(kind, "string")

    def is_object_array(self, path: tuple[str, ...]) -> bool:
        prop = self.nodes(path)[-1][1]
        items = prop.get("items", {})
        return "items" in prop and ("$ref" in items or items.get("type") == "object")


@lru_cache(maxsize=1)
def spanish_titles() -> dict[str, dict[str, str]]:
    """``Owner.property`` -> {title, description} in Spanish."""
    return read_yaml(data_path("schemas", "publication", "titles.es.yaml"))


def spanish_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The release schema with the Spanish titles and descriptions of every field the tables use."""
    translated = copy.deepcopy(schema)
    walk = SchemaWalk(translated)
    for key, text in spanish_titles().items():
        owner, name = key.split(".", 1)[0], key.rsplit(".", 1)[1]
        inner = key.split(".")[1:-1]  # properties of objects defined in place, between owner and name
        node = translated if owner == "Release" else translated["definitions"][owner]
        for part in inner:
            node = walk._resolve(node["properties"][part], owner, part)[0]
        node["properties"][name].update(title=text["title"], description=text["description"])
    return translated


@dataclass(frozen=True)
class Column:
    """One column: its JSON path in the release, flatten-tool's pointer, titles, type and descriptions.

    ``link`` says where a link column's value comes from: ``release`` (the process's ocid or
    release id) or the position of the enclosing array whose object's id it is; None for fields.
    """

    path: tuple[str, ...]      # from the release, without array indexes
    pointer: str               # flatten-tool's heading path: tender/items/0/id
    title_es: str
    title_en: str
    type: str
    description_es: str
    description_en: str
    relative: tuple[str, ...] = ()  # a field's path from the table's object
    link: str | int | None = None


@dataclass(frozen=True)
class Table:
    name: str
    title_es: str
    title_en: str
    path: tuple[str, ...]                # the array whose objects are the rows (empty: the releases)
    arrays: tuple[tuple[str, ...], ...]  # the arrays of objects along the path, outermost first
    columns: tuple[Column, ...]          # the link columns first

    def rows(self, release: dict[str, Any]) -> Iterator[list[Any]]:
        """This table's rows for one compiled release."""
        for parents, item in _objects(release, self.arrays, 0, ()):
            row = []
            for column in self.columns:
                if column.link == "release":
                    row.append(release.get(column.path[0]))
                elif column.link is not None:
                    row.append(parents[column.link])
                else:
                    row.append(cell(_get(item, column.relative)))
            yield row


def _objects(value: Any, arrays: tuple[tuple[str, ...], ...], level: int,
             parents: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """(ids of the enclosing objects, object) for every object at the end of ``arrays``."""
    if level == len(arrays):
        yield parents, value
        return
    start = arrays[level - 1] if level else ()
    array = _get(value, arrays[level][len(start):])
    for item in array if isinstance(array, list) else []:
        if isinstance(item, dict):
            yield from _objects(item, arrays, level + 1, parents + (item.get("id"),))


def _get(value: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def cell(value: Any) -> Any:
    """A JSON value as one cell: arrays of strings joined by ";" (as flatten-tool does), objects as JSON."""
    if isinstance(value, list):
        if all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
            return ";".join(str(v) for v in value)
        return orjson.dumps(value).decode()
    if isinstance(value, dict):
        return orjson.dumps(value).decode()
    return value


def _spec() -> dict[str, Any]:
    return read_yaml(data_path("schemas", "publication", "tables.yaml"))


class Tables:
    """The publication's tables for a (patched) release schema: the flattened OCDS tables and the
    plain ``contratos`` table's columns, with the Spanish schema flatten-tool needs to read them back."""

    def __init__(self, schema: dict[str, Any]) -> None:
        spec = _spec()
        self.schema_es = spanish_schema(schema)
        self._en, self._es = SchemaWalk(schema), SchemaWalk(self.schema_es)
        self.ocds = [self._table(table) for table in spec["ocds"]]
        self.contratos = spec["contratos"]
        self.labels: dict[str, dict[str, str]] = spec["labels"]

    def _column(self, path: tuple[str, ...], relative: tuple[str, ...] = (), link: str | int | None = None) -> Column:
        es, en = self._es.nodes(path), self._en.nodes(path)
        pointer = []
        for position, key in enumerate(path):
            pointer.append(key)
            if position < len(path) - 1 and self._en.is_object_array(path[:position + 1]):
                pointer.append("0")
        return Column(path, "/".join(pointer), ":".join(prop.get("title", key) for key, prop in es),
                      ":".join(prop.get("title", key.rsplit(".", 1)[1]) for key, prop in en), self._en.leaf_type(path),
                      es[-1][1].get("description", ""), en[-1][1].get("description", ""), relative, link)

    def _table(self, spec: dict[str, Any]) -> Table:
        path = tuple(spec["path"].split("/")) if spec["path"] else ()
        arrays = tuple(path[:n] for n in range(1, len(path) + 1) if self._en.is_object_array(path[:n]))
        if path and (not arrays or arrays[-1] != path):
            raise ValueError(f"table {spec['name']}: {spec['path']} is not an array of objects")
        columns = []
        if path:
            columns += [self._column(("ocid",), link="release"), self._column(("id",), link="release")]
            columns += [self._column(array + ("id",), link=level) for level, array in enumerate(arrays[:-1])]
        columns += [self._column(path + tuple(c.split("/")), relative=tuple(c.split("/"))) for c in spec["columns"]]
        headers = [column.title_es for column in columns]
        if len(set(headers)) != len(headers):
            raise ValueError(f"table {spec['name']}: two columns have the same title")
        return Table(spec["name"], spec["title_es"], spec["title_en"], path, arrays, tuple(columns))
