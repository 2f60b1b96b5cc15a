"""Finding markup a browser would run or load in a rendered page (the hostile-text tests)."""

from __future__ import annotations

import json
from html.parser import HTMLParser


class LiveMarkup(HTMLParser):
    """Finds markup a browser would run or load: parsed as a browser would, so names quoted inside
    attributes (escaped) are not mistaken for tags."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.in_data_block = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        own_source = (values.get("src") or "").startswith("/")
        # A JSON-LD block is data a browser never runs; what must hold is that nothing in it can end it early
        # or open markup (checked in handle_data).
        self.in_data_block = tag == "script" and values.get("type") == "application/ld+json" and not values.get("src")
        if tag in ("svg", "iframe", "object", "embed") or (
            tag in ("img", "script") and not own_source and not self.in_data_block
        ):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(("javascript:", "data:")):
                self.found.append(f"{tag} {name}={value}")

    def handle_endtag(self, tag: str) -> None:
        self.in_data_block = False

    def handle_data(self, data: str) -> None:
        if self.in_data_block:
            try:
                json.loads(data)
            except ValueError:
                self.found.append("a JSON-LD block that is not JSON")
            if "<" in data or ">" in data:
                self.found.append("markup characters inside a JSON-LD block")


def live_markup(html: str) -> list[str]:
    parser = LiveMarkup()
    parser.feed(html)
    return parser.found
