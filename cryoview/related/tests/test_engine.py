"""Table tests of the pure related-reading engine: tokens, weights, similarity, selection."""

from __future__ import annotations

import math

import pytest

from cryoview.related.engine import (
    Document,
    Match,
    Selection,
    build_index,
    cosine,
    normalised,
    rank_related,
    select,
    stem,
    term_frequencies,
    tokenize,
)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("warts", "wart"),
        ("wart", "wart"),
        ("freezing", "freez"),
        ("freeze", "freez"),
        ("freezes", "freez"),
        ("freezed", "freez"),
        ("froze", "freez"),
        ("frozen", "freez"),
        ("treatment", "treat"),
        ("treatments", "treat"),
        ("treated", "treat"),
        ("treating", "treat"),
        ("papillomas", "papilloma"),
        ("allergies", "allergy"),
        ("allergy", "allergy"),
        ("classes", "class"),
        ("swelling", "swell"),
        ("stopped", "stop"),
        ("redness", "red"),
        ("blisters", "blister"),
        ("blistering", "blister"),
        ("massages", "massag"),
        ("massaging", "massag"),
        # Too short to strip, or the stem would have no vowel: left alone.
        ("bed", "bed"),
        ("need", "need"),
        ("spring", "spring"),
        ("thing", "thing"),
        ("virus", "virus"),
        ("skin", "skin"),
        ("ice", "ice"),
    ],
)
def test_stem(word, expected):
    assert stem(word) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Warts and WARTS", ["wart", "wart"]),
        ("The freezing of a wart", ["freez", "wart"]),
        ("I didn't feel it; it's cold!", ["feel", "cold"]),
        ("I don\u2019t know", ["know"]),  # a typographic apostrophe is an apostrophe
        ("5 sessions, 120 EUR", ["session", "eur"]),  # numbers carry no topic
        ("liquid-nitrogen", ["liquid", "nitrogen"]),
        ("Криомассаж лица", ["криомассаж", "лица"]),  # any script: Unicode words, casefolded
        ("ﬁrst", ["first"]),  # NFKC: the ligature is two letters
        ("a an the of to", []),
        ("", []),
        ("x y z", []),  # one-letter words say nothing
    ],
)
def test_tokenize(text, expected):
    assert tokenize(text) == expected


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        ([], {}),
        (["wart"], {"wart": 1.0}),
        (["wart"] * 3, {"wart": 1.0 + math.log(3)}),
        (["wart", "skin", "wart"], {"wart": 1.0 + math.log(2), "skin": 1.0}),
    ],
)
def test_term_frequency_is_sublinear(tokens, expected):
    assert term_frequencies(tokens) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        ({}, {}),
        ({"a": 0.0}, {}),
        ({"a": 3.0, "b": 4.0}, {"a": 0.6, "b": 0.8}),
        ({"a": 2.0}, {"a": 1.0}),
    ],
)
def test_normalised_vectors_have_unit_length(weights, expected):
    assert normalised(weights) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ({"x": 1.0}, {"x": 1.0}, 1.0),
        ({"x": 1.0}, {"y": 1.0}, 0.0),
        ({"x": 0.6, "y": 0.8}, {"x": 1.0}, 0.6),
        ({"x": 1.0}, {"x": 0.6, "y": 0.8}, 0.6),  # symmetric
        ({}, {"x": 1.0}, 0.0),
    ],
)
def test_cosine(a, b, expected):
    assert cosine(a, b) == pytest.approx(expected)


def test_rare_terms_weigh_more_than_common_ones():
    index = build_index(
        [
            Document("a", "skin wart"),
            Document("b", "skin massage"),
            Document("c", "skin nitrogen"),
        ]
    )
    assert index.idf("wart") > index.idf("skin")
    vector = index.vectors["a"]
    assert vector["wart"] > vector["skin"]
    assert math.isclose(math.fsum(w * w for w in vector.values()), 1.0)
    assert index.idf("never-seen") > index.idf("wart"), "a term outside the corpus is the rarest of all"


def test_a_repeated_key_counts_once_in_the_corpus():
    once = build_index([Document("a", "wart"), Document("b", "skin")])
    twice = build_index([Document("a", "wart"), Document("a", "wart"), Document("b", "skin")])
    assert twice.size == once.size == 2
    assert twice.idf("wart") == once.idf("wart")


WARTS = Document("guide:warts", "Freezing warts off the skin with liquid nitrogen")
MASSAGE = Document("guide:massage", "A face massage with liquid nitrogen")
PHORESIS = Document("guide:phoresis", "Electrophoresis for the face")
WART_1 = Document("review:1", "My warts froze off", "reviews-of:warts")
WART_2 = Document("review:2", "Warts frozen with nitrogen", "reviews-of:warts")
WART_3 = Document("review:3", "Two warts gone after freezing", "reviews-of:warts")
WART_NEW = Document("review:9", "Warts frozen, warts gone", "reviews-of:warts")
MASSAGE_REVIEW = Document("review:4", "Relaxing face massage", "reviews-of:massage")
PARKING = Document("review:5", "Parking was expensive downtown", "reviews-of:massage")
EVERYTHING = [WARTS, MASSAGE, PHORESIS, WART_1, WART_2, WART_3, MASSAGE_REVIEW, PARKING]
CLOSEST_THREE = Selection(limit=3, minimum=3, keep_ratio=0)


def keys(matches: list[Match]) -> list[str]:
    return [match.key for match in matches]


@pytest.mark.parametrize(
    ("target", "candidates", "selection", "expected"),
    [
        # Most similar first; nothing in common (the massage guide, parking) means not listed at all.
        (WART_1, [MASSAGE, WARTS, PARKING], Selection(), ["guide:warts"]),
        (MASSAGE_REVIEW, [WARTS, MASSAGE, PHORESIS], Selection(), ["guide:massage", "guide:phoresis"]),
        # Never the target itself, even when it is among the candidates (same key).
        (WARTS, [WARTS, MASSAGE, WART_1], Selection(), ["review:1", "guide:massage"]),
        (WART_1, EVERYTHING, Selection(limit=10, minimum=10), ["review:2", "review:3", "guide:warts"]),
        # A candidate given twice is listed once.
        (WART_1, [WARTS, WARTS], Selection(), ["guide:warts"]),
        # Nothing similar: an empty list, never a random one.
        (PARKING, [WARTS, PHORESIS], Selection(), []),
        (Document("empty", ""), [WARTS, MASSAGE], Selection(), []),
        (WARTS, [], Selection(), []),
        # "froze", "frozen" and "freezing" meet. The closest three are all wart reviews; with one review
        # per procedure, the guide gets its turn.
        (WART_NEW, [WART_1, WART_2, WART_3, WARTS, MASSAGE], CLOSEST_THREE, ["review:1", "review:3", "review:2"]),
        (
            WART_NEW,
            [WART_1, WART_2, WART_3, WARTS, MASSAGE],
            Selection(limit=3, minimum=3, keep_ratio=0, per_group=1),
            ["review:1", "guide:warts"],
        ),
        # The limit caps the list.
        (WART_NEW, [WART_1, WART_2, WART_3, WARTS], Selection(limit=2, minimum=2), ["review:1", "review:3"]),
    ],
)
def test_rank_related(target, candidates, selection, expected):
    found = rank_related(target, candidates, selection=selection)
    assert keys(found) == expected
    assert all(match.score > 0 for match in found)
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)


def m(key: str, score: float) -> Match:
    return Match(key, score)


@pytest.mark.parametrize(
    ("scores", "groups", "selection", "expected"),
    [
        # At least `minimum`, however weak the rest are...
        ([m("a", 0.9), m("b", 0.1), m("c", 0.05)], {}, Selection(minimum=3, keep_ratio=0.5), ["a", "b", "c"]),
        # ...then only those at least `keep_ratio` of the best.
        (
            [m("a", 0.9), m("b", 0.8), m("c", 0.7), m("d", 0.5), m("e", 0.4)],
            {},
            Selection(limit=5, minimum=3, keep_ratio=0.5),
            ["a", "b", "c", "d"],
        ),
        (
            [m("a", 0.9), m("b", 0.8), m("c", 0.7), m("d", 0.6), m("e", 0.5), m("f", 0.5)],
            {},
            Selection(limit=5, minimum=3, keep_ratio=0.5),
            ["a", "b", "c", "d", "e"],
        ),
        ([m("a", 0.9), m("b", 0.8)], {}, Selection(minimum=3), ["a", "b"]),
        ([], {}, Selection(), []),
        # A group's cap skips its extra members; items without a group are never capped.
        (
            [m("a", 0.9), m("b", 0.8), m("c", 0.7), m("d", 0.6)],
            {"a": "g", "b": "g", "c": "g"},
            Selection(limit=3, minimum=3, per_group=2),
            ["a", "b", "d"],
        ),
        (
            [m("a", 0.9), m("b", 0.8), m("c", 0.7)],
            {},
            Selection(limit=3, minimum=3, per_group=1),
            ["a", "b", "c"],
        ),
    ],
)
def test_select(scores, groups, selection, expected):
    assert [match.key for match in select(scores, groups, selection)] == expected


def test_a_shared_index_gives_the_same_ranking_as_a_private_one():
    index = build_index(EVERYTHING)
    shared = rank_related(WART_1, EVERYTHING, index=index)
    private = rank_related(WART_1, EVERYTHING)
    assert keys(shared) == keys(private) == ["review:2", "review:3", "guide:warts"]
    assert shared == private


def test_ties_are_broken_by_key_so_the_order_is_stable():
    twins = [Document("b", "frozen wart"), Document("a", "frozen wart")]
    assert keys(rank_related(Document("t", "frozen wart"), twins)) == ["a", "b"]
