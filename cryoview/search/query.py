"""A visitor's query as the engines take it, pure: alternatives (OR) of groups (AND) of words (OR).

"cold sores freezing" becomes one alternative of groups ["cold"], ["sores"], ["freezing", "freeze", "froze",
"frozen", ...] (irregular relatives, text.WORD_FAMILIES), and, because "cold sores" names a condition
(content/conditions.yaml), more alternatives in which those words are replaced by each other name of it
("herpes", "herpes simplex", "fever blisters", ...). Bounded: at most MAX_ALTERNATIVES alternatives of at most
text.MAX_QUERY_WORDS groups.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryoview.search.text import family, query_words, words

MAX_ALTERNATIVES = 8


@dataclass(frozen=True)
class ConditionNames:
    """One condition's names: its slug's words, its name, its synonyms (any of them stands for the others)."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    words: tuple[str, ...]
    alternatives: tuple[tuple[tuple[str, ...], ...], ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.words

    @property
    def all_words(self) -> set[str]:
        return {word for alternative in self.alternatives for group in alternative for word in group}


def _phrases(condition: ConditionNames) -> list[tuple[str, ...]]:
    found = []
    for name in condition.names:
        phrase = tuple(query_words(name.replace("-", " ")))
        if phrase and phrase not in found:
            found.append(phrase)
    return found


def _find(sequence: tuple[str, ...], phrase: tuple[str, ...]) -> int:
    for start in range(len(sequence) - len(phrase) + 1):
        if sequence[start : start + len(phrase)] == phrase:
            return start
    return -1


def _synonym_alternatives(terms: tuple[str, ...], conditions: list[ConditionNames]) -> list[tuple[str, ...]]:
    """The query with a condition's name replaced by each of its other names."""
    found: list[tuple[str, ...]] = []
    for condition in conditions:
        phrases = _phrases(condition)
        for phrase in phrases:
            start = _find(terms, phrase)
            if start < 0:
                continue
            for other in phrases:
                if other != phrase:
                    found.append(terms[:start] + other + terms[start + len(phrase) :])
    return found


def plan_query(query: str, *, conditions: list[ConditionNames]) -> Plan:
    """The plan of `query` (empty when it has no word that means anything, e.g. only stop words)."""
    terms = tuple(query_words(query))
    if not terms:
        return Plan(words=())
    sequences = [terms, *_synonym_alternatives(terms, conditions)]
    unique = list(dict.fromkeys(sequences))[:MAX_ALTERNATIVES]
    alternatives = tuple(tuple(tuple(family(word)) for word in sequence) for sequence in unique)
    return Plan(words=terms, alternatives=alternatives)


def condition_names(name: str, slug: str, synonyms: list[str]) -> ConditionNames:
    """A condition's names; a name's bracketed part ("Herpes simplex (cold sores)") is a name of its own."""
    outer, _, inner = name.partition("(")
    names = [slug, outer, *(part for part in [inner.rstrip(")")] if part), *synonyms]
    return ConditionNames(names=tuple(" ".join(words(n)) for n in names if words(n)))
