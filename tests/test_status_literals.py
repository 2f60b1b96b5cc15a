"""No status string is written or compared outside the enums: code uses the TextChoices members, templates ask
the model (`review.is_pending`, `video.is_ready`, ...). A grep over the code, so a literal cannot come back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON = [
    re.compile(r"""\bstatus\s*=\s*["']"""),  # status="held", review.status = "draft", filter(status="x")
    re.compile(r"""\bstatus\s*[!=]=\s*["']"""),  # review.status == "published"
    re.compile(r"""\bstatus(__in)?\s*(not\s+)?(in|=)\s*[\[({]\s*["']"""),  # status in ("a", "b"), status__in=["a"]
]
TEMPLATE = [
    re.compile(r"""\bstatus\s*[!=]=\s*["']"""),  # {% if review.status == "published" %}
    re.compile(r"""\bstatus\s+(not\s+)?in\s"""),  # {% if video.status in "ready failed" %}
]


def _code_files(suffix: str) -> list[Path]:
    files = [*ROOT.joinpath("cryoview").rglob(f"*{suffix}"), *ROOT.joinpath("config").rglob(f"*{suffix}")]
    return [f for f in files if "tests" not in f.parts and "migrations" not in f.parts]


def _hits(files: list[Path], patterns: list[re.Pattern[str]]) -> list[str]:
    found = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if any(p.search(line) for p in patterns):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


@pytest.mark.parametrize(
    "line",
    [
        'review.status = "draft"',
        'Review.objects.filter(status="withdrawn")',
        'if video.status != "ready":',
        'comment.status in ("deleted", "spam")',
        'Review.objects.filter(status__in=["pending", "published"])',
    ],
)
def test_the_python_patterns_catch_a_status_literal(line):
    assert any(p.search(line) for p in PYTHON)


@pytest.mark.parametrize(
    "line",
    [
        "review.status = ReviewStatus.DRAFT",
        "Review.objects.filter(status=ReviewStatus.WITHDRAWN)",
        "if not video.is_ready:",
        'status: Literal["held"] = "held"',
    ],
)
def test_the_python_patterns_let_enum_members_through(line):
    assert not any(p.search(line) for p in PYTHON)


@pytest.mark.parametrize(
    "line", ['{% if review.status == "published" %}', "{% if video.status != 'ready' %}", "{% if x.status in s %}"]
)
def test_the_template_patterns_catch_a_status_comparison(line):
    assert any(p.search(line) for p in TEMPLATE)


def test_no_status_literal_in_the_code():
    files = _code_files(".py")
    assert len(files) > 100, "the grep must see the code"
    assert _hits(files, PYTHON) == []


def test_no_template_compares_a_status_string():
    files = _code_files(".html")
    assert len(files) > 30, "the grep must see the templates"
    assert _hits(files, TEMPLATE) == []
