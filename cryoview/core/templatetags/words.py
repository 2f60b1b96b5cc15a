"""Punctuation around values whose end we do not know: a name with initials ("Smith J."), an abbreviation
("Inc."), a title that asks ("Should a blister be opened?") already ends its sentence."""

from __future__ import annotations

from django import template

register = template.Library()
SENTENCE_ENDS = (".", "!", "?", "…")


@register.filter
def sentence_end(value: object) -> str:
    """The full stop a sentence ending with `value` still needs: "." or nothing ("J. Smith." not "J. Smith..")."""
    return "" if str(value).rstrip().endswith(SENTENCE_ENDS) else "."
