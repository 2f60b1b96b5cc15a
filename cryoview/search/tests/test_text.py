"""The pure parts: words, stems, stop words, synonyms and word families, the FTS5 expression, snippets."""

from __future__ import annotations

import pytest

from cryoview.search.backends.sqlite import marked_snippet, match_expression
from cryoview.search.query import condition_names, plan_query
from cryoview.search.selectors import highlighted
from cryoview.search.text import MARK_END, MARK_START, language_of, query_words, stem, stemmed

HERPES = condition_names("Herpes simplex (cold sores)", "herpes", ["cold sores", "herpes simplex", "fever blisters"])
ROSACEA = condition_names("Rosacea", "rosacea", ["acne rosacea", "couperose"])


@pytest.mark.parametrize(
    ("one", "other"),
    [("blisters", "blister"), ("азотом", "азот"), ("азота", "азот"), ("sessions", "session"), ("Nitrogen", "nitrogen")],
)
def test_a_word_and_its_forms_have_one_stem(one, other):
    assert stem(query_words(one)[0]) == stem(other)


def test_irregular_forms_join_through_their_family():
    plan = plan_query("freezing", conditions=[])
    assert {"freezing", "frozen", "froze", "freeze"} <= plan.all_words
    assert stem("freezing") != stem("frozen"), "the stemmer alone cannot: that is why families exist"


@pytest.mark.parametrize("query", ["", "   ", "the", "the and of", "и в на", "?!", "...", "—", "_"])
def test_a_query_of_only_stop_words_or_punctuation_is_empty(query):
    assert plan_query(query, conditions=[HERPES]).is_empty


def test_a_query_is_bounded_whatever_its_length():
    plan = plan_query("blister " * 10_000 + " ".join(f"w{i}" for i in range(100)), conditions=[])
    assert len(plan.words) <= 12 and len(plan.alternatives) == 1


def test_a_condition_name_in_the_query_adds_its_other_names():
    plan = plan_query("cold sores after cryomassage", conditions=[HERPES, ROSACEA])
    sequences = {tuple(group[0] for group in alternative) for alternative in plan.alternatives}
    assert ("cold", "sores", "cryomassage") in sequences
    assert ("herpes", "cryomassage") in sequences
    assert ("fever", "blisters", "cryomassage") in sequences
    assert plan_query("couperose", conditions=[HERPES, ROSACEA]).all_words >= {"rosacea", "couperose"}


def test_the_language_of_a_text_follows_its_letters():
    assert language_of("Процедура жидким азотом была холодной") == "russian"
    assert language_of("The nitrogen was cold, азот") == "english"


@pytest.mark.parametrize(
    "query", ['"', '""', 'a"b', "NEAR(a b)", "a OR b", "a AND", "-a", "a*", "^a", "col:a", "a'b", "(a", "'"]
)
def test_every_fts5_token_is_quoted(query):
    plan = plan_query(query, conditions=[])
    if plan.is_empty:
        return
    expression = match_expression(plan)
    # Outside quoted strings only our own operators and brackets remain.
    outside = "".join(part for i, part in enumerate(expression.split('"')) if i % 2 == 0)
    assert set(outside.replace("AND", "").replace("OR", "")) <= set("() ")


def test_stemmed_text_is_what_the_sqlite_index_stores():
    assert stemmed("Frozen BLISTERS, азотом!") == "frozen blister азот"


def test_the_snippet_marks_the_matched_words_around_the_first_match():
    text = " ".join(["filler"] * 50) + " a Blister formed, blisters heal. " + " ".join(["tail"] * 50)
    snippet = marked_snippet(text, {stem("blister")})
    assert f"{MARK_START}Blister{MARK_END}" in snippet and f"{MARK_START}blisters{MARK_END}" in snippet
    assert snippet.startswith("… ") and snippet.endswith(" …") and len(snippet) < 400


@pytest.mark.parametrize(
    "marked",
    [
        f"<script>alert(1)</script> {MARK_START}blister{MARK_END}",
        f"{MARK_START}<img src=x onerror=alert(1)>{MARK_END}",
        f"{MARK_START}unbalanced <b>",
        f"&lt;already&gt; {MARK_END}{MARK_START}",
    ],
)
def test_highlighting_escapes_everything_but_its_own_marks(marked):
    html = str(highlighted(marked))
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert html.replace("<mark>", "").replace("</mark>", "").count("<") == 0
    assert html.count("<mark>") == html.count("</mark>")
