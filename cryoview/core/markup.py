"""Text people write (reviews, follow-ups, comments): a small Markdown subset, then an nh3 allowlist.

Raw HTML in the source is shown as text, never interpreted; links get rel="nofollow ugc noopener"
so nobody earns search rank from us; only http, https and mailto links survive.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "em", "strong", "ul", "ol", "li", "a", "blockquote", "code"}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}

# "zero" enables only paragraphs and text; we switch on the few rules the help text promises.
_markdown = MarkdownIt("zero", {"html": False, "breaks": True}).enable(
    ["emphasis", "link", "list", "blockquote", "backticks", "newline", "escape", "autolink"]
)

MARKUP_HELP = "Plain text. *italic*, **bold**, lists (- item), > quotes and [links](https://…) work; HTML does not."


def render_markup(source: str) -> str:
    """Markdown subset → HTML that is safe to put on a page as it is."""
    html = _markdown.render(source)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener",
        strip_comments=True,
    )
