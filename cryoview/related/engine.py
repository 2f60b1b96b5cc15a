"""Related reading by content similarity: TF-IDF vectors compared by cosine similarity.

Standard library only (an import-linter contract keeps Django and the apps out), so the whole ranking is
tested with tables. Texts go in as `Document`s; `rank_related` returns the keys of the most similar ones.

- Tokens: NFKC, casefolded Unicode words; English stop words dropped; a light suffix stemmer, so "warts" and
  "wart", "freezing" and "freeze", "treatment" and "treated" meet.
- Weights: sublinear term frequency (1 + ln tf) times smoothed inverse document frequency
  (ln((1 + n) / (1 + df)) + 1), each vector scaled to unit length, so long guides and short reviews compare
  fairly and the cosine is a plain dot product.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

Vector = Mapping[str, float]

# Letters only: numbers ("5 sessions", "120 EUR") say little about what a text is about.
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
MIN_TOKEN_LENGTH = 2
MIN_STEM_LENGTH = 3
ZERO = 1e-9  # below this a cosine is rounding noise, not similarity

STOP_WORD_TEXT = """
    a about above after again against all almost also am an and any are as at be because been before
    being below between both but by can cannot could did do does doing done down during
    each either else ever every few for from further get gets got had has have having he her
    here hers herself him himself his how however i if in into is it its itself just least less let like
    made make many may me might mine more most much must my myself neither no nor not now of off often
    on once only or other others ought our ours ourselves out over own per quite rather really same shall
    she should since so some such than that the their theirs them themselves then there these
    they this those though through thus to too under until up upon us very via was we were what
    when where whether which while who whom whose why will with within without would yet you your
    yours yourself yourselves
    arent cant couldnt didnt doesnt dont hadnt hasnt havent id im isnt ive shouldnt thats theres theyre
    wasnt weve werent wont wouldnt youre youve
"""
STOP_WORDS = frozenset(STOP_WORD_TEXT.split())

# (suffix, replacement), tried in order; the first that leaves a long enough stem wins.
INFLECTIONS = (
    ("ingly", ""),
    ("edly", ""),
    ("ing", ""),
    ("ied", "y"),
    ("ed", ""),
)
DERIVATIONS = (
    ("fulness", "ful"),
    ("ments", ""),
    ("ment", ""),
    ("ness", ""),
    ("ly", ""),
)
# Irregular forms this site's texts use all the time, mapped to the regular stem.
IRREGULAR = {"froze": "freez", "frozen": "freez", "felt": "feel", "burnt": "burn"}
VOWELS = frozenset("aeiouy")
KEEP_DOUBLE = frozenset("lsz")  # "swelling" -> "swell", not "swel"


def _has_vowel(stem: str) -> bool:
    return any(letter in VOWELS for letter in stem)


def _strip_plural(word: str) -> str:
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > MIN_STEM_LENGTH:
        return word[:-1]
    return word


def _strip_suffix(word: str, rules: Sequence[tuple[str, str]]) -> tuple[str, bool]:
    for suffix, replacement in rules:
        if word.endswith(suffix):
            stem = word[: -len(suffix)] + replacement
            if len(stem) >= MIN_STEM_LENGTH and _has_vowel(stem):
                return stem, True
            return word, False
    return word, False


def stem(word: str) -> str:
    """A light, predictable English stemmer: plural, -ing/-ed, -ment/-ness/-ly, a final e."""
    if word in IRREGULAR:
        return IRREGULAR[word]
    word = _strip_plural(word)
    word, inflected = _strip_suffix(word, INFLECTIONS)
    if inflected and len(word) > MIN_STEM_LENGTH and word[-1] == word[-2] and word[-1] not in VOWELS | KEEP_DOUBLE:
        word = word[:-1]  # "stopped" -> "stopp" -> "stop"
    word, _ = _strip_suffix(word, DERIVATIONS)
    if word.endswith("e") and len(word) > MIN_STEM_LENGTH:
        word = word[:-1]  # "freeze" and "freezing" both become "freez"
    return word


def tokenize(text: str) -> list[str]:
    """The stemmed content words of `text`, in order, repeats kept (term frequency needs them)."""
    normal = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    tokens = []
    for match in WORD.finditer(normal):
        word = match.group().removesuffix("'s").replace("'", "")
        if len(word) < MIN_TOKEN_LENGTH or word in STOP_WORDS:
            continue
        stemmed = stem(word)
        if stemmed not in STOP_WORDS:
            tokens.append(stemmed)
    return tokens


@dataclass(frozen=True)
class Document:
    """Something that can be read: `key` names it (e.g. "guide:3"); `group` is what it is about (e.g. the
    procedure of a review), so one group cannot fill the whole list."""

    key: str
    text: str
    group: str = ""


@dataclass(frozen=True)
class Match:
    key: str
    score: float


def term_frequencies(tokens: Iterable[str]) -> dict[str, float]:
    """Sublinear: the tenth "nitrogen" in a guide adds far less than the first."""
    return {term: 1.0 + math.log(count) for term, count in Counter(tokens).items()}


def normalised(weights: Mapping[str, float]) -> dict[str, float]:
    length = math.sqrt(sum(w * w for w in weights.values()))
    if length == 0:
        return {}
    return {term: w / length for term, w in weights.items()}


def cosine(a: Vector, b: Vector) -> float:
    """The cosine of two unit-length vectors: their dot product, over the shorter one's terms."""
    if len(a) > len(b):
        a, b = b, a
    return sum(weight * b.get(term, 0.0) for term, weight in a.items())


@dataclass
class Index:
    """Inverse document frequencies over a corpus, and the corpus's vectors by key."""

    size: int
    document_frequency: dict[str, int]
    vectors: dict[str, dict[str, float]] = field(default_factory=dict)

    def idf(self, term: str) -> float:
        return math.log((1 + self.size) / (1 + self.document_frequency.get(term, 0))) + 1.0

    def vector_of_tokens(self, tokens: Iterable[str]) -> dict[str, float]:
        return normalised({term: tf * self.idf(term) for term, tf in term_frequencies(tokens).items()})

    def vector(self, document: Document) -> dict[str, float]:
        """The stored vector of a document of the corpus; one outside it is weighed with the corpus's idf."""
        found = self.vectors.get(document.key)
        return found if found is not None else self.vector_of_tokens(tokenize(document.text))


def build_index(documents: Iterable[Document]) -> Index:
    """One pass to count document frequencies, one to weigh: O(total tokens). Repeated keys count once."""
    tokens_by_key: dict[str, list[str]] = {}
    for document in documents:
        tokens_by_key.setdefault(document.key, tokenize(document.text))
    frequency: Counter[str] = Counter()
    for tokens in tokens_by_key.values():
        frequency.update(set(tokens))
    index = Index(size=len(tokens_by_key), document_frequency=dict(frequency))
    index.vectors = {key: index.vector_of_tokens(tokens) for key, tokens in tokens_by_key.items()}
    return index


@dataclass(frozen=True)
class Selection:
    """How many to pick: at least `minimum` (when that many are similar at all), up to `limit` while an item
    scores at least `keep_ratio` of the best one, and at most `per_group` from one group (0: no cap)."""

    limit: int = 5
    minimum: int = 3
    keep_ratio: float = 0.5
    per_group: int = 0


def select(scored: Sequence[Match], groups: Mapping[str, str], selection: Selection) -> list[Match]:
    """Pick from matches sorted best first (see `Selection`)."""
    picked: list[Match] = []
    taken: Counter[str] = Counter()
    for match in scored:
        if len(picked) >= selection.limit:
            break
        if len(picked) >= selection.minimum and match.score < selection.keep_ratio * scored[0].score:
            break
        group = groups.get(match.key, "")
        if selection.per_group and group and taken[group] >= selection.per_group:
            continue
        taken[group] += 1
        picked.append(match)
    return picked


def rank_related(
    target: Document,
    candidates: Sequence[Document],
    *,
    selection: Selection | None = None,
    index: Index | None = None,
) -> list[Match]:
    """The candidates most similar to `target`, best first: never the target itself (same key), never one
    with nothing in common (zero similarity). Ties go to the smaller key, so the order is stable.

    `index` lets a caller weigh many targets against one corpus; without it the target and the candidates
    are the corpus.
    """
    selection = selection or Selection()
    index = index or build_index([target, *candidates])
    wanted = index.vector(target)
    scored = []
    groups: dict[str, str] = {}
    for candidate in candidates:
        if candidate.key == target.key or candidate.key in groups:
            continue
        groups[candidate.key] = candidate.group
        score = cosine(wanted, index.vector(candidate))
        if score > ZERO:
            scored.append(Match(candidate.key, round(score, 6)))
    scored.sort(key=lambda match: (-match.score, match.key))
    return select(scored, groups, selection)
