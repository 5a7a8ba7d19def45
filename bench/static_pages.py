"""The alternative the site did not take: one static HTML file per process, rendered in Python with
Jinja2 from the same page data the browser renders (bench: time and size of both ways).

Usage: python bench/static_pages.py STORE OUT
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import orjson
from jinja2 import Environment

from ocds_pipeline.publish.site.processes import process_page
from ocds_pipeline.store import Store

PAGE = Environment(autoescape=True).from_string("""<!DOCTYPE html><html lang="es"><head><meta charset="utf-8">
<title>{{ p.title or p.ocid }}</title><link rel="stylesheet" href="../site/assets/site.css"></head><body><main>
<h1>{{ p.title or p.ocid }}</h1><p>{{ p.description or "" }}</p>
<dl class="facts"><dt>ocid</dt><dd>{{ p.ocid }}</dd><dt>Entidad</dt><dd>{{ p.buyer.name }}</dd>
<dt>Tipo</dt><dd>{{ p.type }}</dd><dt>Estado</dt><dd>{{ p.status }}</dd></dl>
<h2>Cronología</h2><ol>{% for e in p.timeline %}<li>{{ e[0][:10] }} {{ e[1] }} {{ e[2] }}</li>{% endfor %}</ol>
<h2>Adjudicaciones</h2><table>{% for a in p.awards %}<tr><td>{{ a.id }}</td><td>{{ a.status }}</td><td>{{ a.value }}</td>
<td>{% for s in a.suppliers %}{{ s.name }} {% endfor %}</td></tr>{% endfor %}</table>
<h2>Contratos</h2><table>{% for c in p.contracts %}<tr><td>{{ c.id }}</td><td>{{ c.value }}</td><td>{{ c.paid }}</td></tr>{% endfor %}</table>
<h2>Partes</h2><table>{% for x in p.parties %}<tr><td>{{ x.name }}</td><td>{{ x.roles|join(", ") }}</td></tr>{% endfor %}</table>
<h2>Documentos</h2><ul>{% for d in p.documents %}<li>{{ d.title }}</li>{% endfor %}</ul></main></body></html>
""")


def main() -> None:
    store_path, out = sys.argv[1], Path(sys.argv[2])
    if out.exists():
        shutil.rmtree(out)
    (out / "procesos").mkdir(parents=True)
    store = Store(store_path)
    try:
        for ocid, year, _, body, _ in store.compiled_index():
            if body is None:
                continue
            page = process_page(orjson.loads(body), year)
            name = "".join(c if c.isalnum() or c in "-_." else "_" for c in ocid)
            (out / "procesos" / f"{name}.html").write_text(PAGE.render(p=page), encoding="utf-8")
    finally:
        store.close()


if __name__ == "__main__":
    main()
