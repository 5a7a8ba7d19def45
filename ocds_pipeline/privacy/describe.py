"""The policy in words, in Spanish or English: for the publication policy (policy.es.md) and docs/privacy.md."""

from __future__ import annotations

from .policy import declared

_INTRO = {"es": "Cada salida trata así los datos de las personas naturales:",
          "en": "Each output treats natural persons' data as follows:"}
_MASKED = {"es": "Enmascarar es:", "en": "Masking is:"}


def describe(actions: dict[str, dict[str, str]], language: str) -> str:
    """A Markdown list: per output, what happens to each field; then what masking each field means."""
    rules = declared()
    lines = [_INTRO[language], ""]
    masked: set[str] = set()
    for output, chosen in actions.items():
        said = []
        for name, action in chosen.items():
            said.append(f"{rules['fields'][name]['title'][language]}: {rules['actions'][action][language]}")
            if action == "mask":
                masked.add(name)
        lines.append(f"- **{rules['outputs'][output][language]}** — {'; '.join(said)}.")
    if masked:
        lines += ["", _MASKED[language], ""]
        lines += [f"- {rules['fields'][name]['title'][language]}: {rules['fields'][name]['mask'][language]}."
                  for name in rules["fields"] if name in masked]
    return "\n".join(lines)
