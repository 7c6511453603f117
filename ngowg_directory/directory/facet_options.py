"""The options of a facet's select, written in Python rather than in a Jinja loop.

A broad search lists a few hundred facet values (every country, language, agenda item and
theme with a match). Asking a label function, the count formatter and the escaper for each
from Jinja was a sixth of a search page's time; here the labels of the facets whose names
come from reference data are escaped once per process and language, and the page's locale is
read once per select.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from markupsafe import Markup, escape

from ..i18n import _format_count, current_locale_name, sort_key

# Facets named from reference data and the catalogues, which do not change while a process
# runs (an organisation's name may: its labels are not kept).
STABLE = frozenset({"role", "kind", "country", "situation", "theme", "language"})
_LABELS: dict[tuple[str, str, str], tuple[Markup, str]] = {}


def facet_options(
    name: str,
    counts: Mapping[str, int],
    selected: str | None,
    label_for: Callable[[str], object],
    *,
    by_name: bool = False,
) -> Markup:
    """The `<option>`s of a facet: each value with its label and count, by label or by count
    (the largest first), the picked one selected even when nothing matches it (0)."""
    locale = current_locale_name()
    keep = name in STABLE

    def labelled(value: str) -> tuple[Markup, str]:
        key = (locale, name, value)
        found = _LABELS.get(key) if keep else None
        if found is None:
            text = str(label_for(value))
            found = (escape(text), sort_key(text) if keep or by_name else "")
            if keep:
                _LABELS[key] = found
        return found

    rows = [(value, *labelled(value), counts[value]) for value in counts]
    if by_name:
        rows.sort(key=lambda row: row[2])
    else:
        rows.sort(key=lambda row: row[3], reverse=True)  # stable: equal counts keep their order
    parts = [
        f'<option value="{escape(value)}"{" selected" if value == selected else ""}>'
        f"{label} ({_format_count(locale, count)})</option>"
        for value, label, _key, count in rows
    ]
    if selected and selected not in counts:
        label = labelled(selected)[0]
        zero = _format_count(locale, 0)
        parts.append(f'<option value="{escape(selected)}" selected>{label} ({zero})</option>')
    return Markup("\n".join(parts))  # noqa: S704  # nosec B704  (every value and label escaped)
