# ruff: noqa: RUF001 - Cyrillic letters and typographic apostrophes are the point here
"""Words of a text and of a query, pure: tokens, stems, stop words, the language of a text, word families.

The SQLite backend indexes and queries stems made here (FTS5 has no Russian stemmer, and its porter tokenizer
would disagree with the query side); PostgreSQL stems with its own dictionaries, and uses this module only to
split a query into words, drop the stop words and widen irregular forms the same way, so both engines see the
same query.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

MAX_QUERY_CHARS = 200  # longer queries are cut here (a search box is not a paste bin)
MAX_QUERY_WORDS = 12  # and to this many words, so one query costs a bounded number of terms
MAX_WORD_CHARS = 40
STEM_CACHE = 50_000  # distinct words kept stemmed per process (a few MB)

# \w in Python's re is Unicode-aware: letters and digits of any script (and the underscore, split off below).
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LETTER = re.compile(r"[^\W\d_]")

# The words a query is made of that say nothing on their own (PostgreSQL's lists drop the same and more).
_ENGLISH_STOP_WORDS = """
    a about after all also an and any are as at be been before but by can could did do does for from had has
    have he her his how i if in into is it its just me my no not of on or our she so than that the their them
    then there these they this to too us was we were what when where which who why will with would you your
"""
_RUSSIAN_STOP_WORDS = """
    и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было вот от
    меня еще нет о из ему теперь когда даже ну ли если уже или ни быть был него до вас нибудь опять уж вам
    ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам чтоб без будто
    чего раз тоже себе под будет ж тогда кто этот того потому этого какой совсем ним здесь этом один почти мой
    тем чтобы нее были куда зачем всех никогда можно при наконец два об другой хоть после над больше тот через
    эти нас про всего них какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше чуть том
    нельзя такой им более всегда конечно всю между
"""
STOP_WORDS = frozenset(_ENGLISH_STOP_WORDS.split()) | frozenset(_RUSSIAN_STOP_WORDS.split())

# Irregular forms a stemmer cannot join ("freezing" -> "freez", "frozen" -> "frozen"): a query word of one of
# these families also finds the others. Only the vocabulary of this site: cold, burns, healing, pain.
WORD_FAMILIES: tuple[frozenset[str], ...] = (
    frozenset({"freeze", "freezes", "freezing", "froze", "frozen"}),
    frozenset({"burn", "burns", "burning", "burned", "burnt"}),
    frozenset({"hurt", "hurts", "hurting", "painful", "pain", "pains"}),
    frozenset({"heal", "heals", "healing", "healed"}),
    frozenset({"feel", "feels", "feeling", "felt"}),
    frozenset({"come", "comes", "coming", "came"}),
    frozenset({"go", "goes", "going", "went", "gone"}),
    frozenset({"bleed", "bleeds", "bleeding", "bled"}),
)
_FAMILY_OF = {word: family for family in WORD_FAMILIES for word in family}


@lru_cache(maxsize=2)
def _stemmer(language: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(language)


def normalise(text: str) -> str:
    """NFKC and lower case, without the two private-use characters snippets use as highlight marks."""
    return unicodedata.normalize("NFKC", text).replace(MARK_START, "").replace(MARK_END, "").lower()


MARK_START, MARK_END = "\ue000", "\ue001"


def words(text: str) -> list[str]:
    """The words of `text`, normalised, in order (apostrophes inside a word keep it whole)."""
    return [w[:MAX_WORD_CHARS] for w in _WORD.findall(normalise(text))]


def language_of(text: str) -> str:
    """The text-search language of a text: "russian" when most of its letters are Cyrillic, else "english"."""
    sample = text[:2000]
    letters = len(_LETTER.findall(sample))  # counted by the regex engine: a loop per character cost ~1 ms a review
    cyrillic = len(_CYRILLIC.findall(sample))
    return "russian" if letters and cyrillic * 2 > letters else "english"


@lru_cache(maxsize=STEM_CACHE)
def stem(word: str) -> str:
    """The snowball stem of one normalised word, by its own script (a Russian word in an English text too).

    Cached: the pure-Python stemmer costs tens of microseconds a word, and text repeats its words (Zipf), so
    indexing and snippets stem mostly words seen before (bench/search.py: rebuild and snippet time)."""
    language = "russian" if _CYRILLIC.search(word) else "english"
    return str(_stemmer(language).stemWord(word.replace("’", "'")))


def stemmed(text: str) -> str:
    """The text as the SQLite index stores it: its words' stems, separated by spaces."""
    return " ".join(stem(word) for word in words(text))


def family(word: str) -> list[str]:
    """The word and its irregular relatives, the word first."""
    return [word, *sorted(_FAMILY_OF.get(word, frozenset()) - {word})]


def query_words(query: str) -> list[str]:
    """The words of a visitor's query that mean something: bounded, normalised, without stop words."""
    found = [word for word in words(query[:MAX_QUERY_CHARS]) if word not in STOP_WORDS]
    return list(dict.fromkeys(found))[:MAX_QUERY_WORDS]
