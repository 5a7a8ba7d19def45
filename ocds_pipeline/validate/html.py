"""Self-contained HTML pages for reports: no scripts, no external files, every value escaped."""

from __future__ import annotations

import html
from typing import Any, Iterable

STYLE = """body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.9rem}th,td{border:1px solid #ccc;padding:.25rem .5rem;
text-align:left;vertical-align:top}th{background:#f3f3f3}td.n{text-align:right}code{background:#f6f6f6;padding:0 .2rem}
h2{margin-top:2rem;border-bottom:1px solid #ddd}"""


class Markup(str):
    """Text that is already HTML (built here from escaped parts), so it is not escaped again."""


def escape(value: Any) -> str:
    return value if isinstance(value, Markup) else html.escape(str(value))


def table(headers: list[str], rows: Iterable[list[Any]], numeric: Iterable[int] = ()) -> Markup:
    """A table; columns listed in ``numeric`` are right-aligned."""
    right = set(numeric)
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td{' class=n' if i in right else ''}>{escape(cell)}</td>" for i, cell in enumerate(row))
                   + "</tr>" for row in rows)
    return Markup(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def page(title: str, sections: list[tuple[str, list[Any]]], lang: str = "en") -> str:
    """A page with a title and sections of paragraphs (text, or Markup such as tables)."""
    parts = [f"<!doctype html><html lang={lang}><head><meta charset=utf-8><title>{escape(title)}</title>",
             f"<meta name=viewport content='width=device-width,initial-scale=1'><style>{STYLE}</style></head><body>",
             f"<h1>{escape(title)}</h1>"]
    for heading, items in sections:
        parts.append(f"<h2>{escape(heading)}</h2>")
        parts += [item if isinstance(item, Markup) else f"<p>{escape(item)}</p>" for item in items]
    parts.append("</body></html>\n")
    return "\n".join(parts)
