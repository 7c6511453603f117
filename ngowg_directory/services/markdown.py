"""Markdown of the secretariat's recommendations: rendered by markdown-it-py, then sanitised
by nh3 (Ammonia), whatever the renderer let through.

No raw HTML (the parser escapes it), no images (shown as their alternative text), headings
moved under the page's own (# becomes h3), only absolute http, https and mailto links (a
relative or protocol-relative one, `//elsewhere`, loses its address), each with
rel="noopener noreferrer nofollow". Bidirectional embeddings, overrides and isolates are
dropped (they can make a text, or an address, read as another); the marks an Arabic or
Hebrew text needs (LRM, RLM, ALM) are kept.
"""

from __future__ import annotations

from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from ..validation import BIDI_CONTROLS

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "a",
    "blockquote",
    "code",
    "pre",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"
LINK_STARTS = ("http://", "https://", "mailto:")

MAX_SOURCE = 20_000


def _image_as_text(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    return escapeHtml(tokens[idx].content)


def _lower_headings(state: Any) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + 2)}"


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.add_render_rule("image", _image_as_text)
    md.core.ruler.push("lower_headings", _lower_headings)
    return md


_MD = _parser()


def _absolute_links_only(element: str, attribute: str, value: str) -> str | None:
    if element == "a" and attribute == "href":
        return value if value.strip().lower().startswith(LINK_STARTS) else None
    return value


def render(source: str) -> str:
    """Safe HTML of a Markdown text."""
    html = _MD.render((source or "").translate(BIDI_CONTROLS))
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=_absolute_links_only,
    )
