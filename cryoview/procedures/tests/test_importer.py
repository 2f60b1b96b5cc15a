from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cryoview.procedures.importer import ContentInvalid, guides_import
from cryoview.procedures.models import (
    Claim,
    ClaimSource,
    Condition,
    Conflict,
    Procedure,
    ProcedureRevision,
    Source,
)

CONTENT = Path(__file__).resolve().parents[3] / "content"
GUIDES = ("facial-cryomassage", "cryodestruction-of-benign-growths", "cryoelectrophoresis")


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A private copy of content/ that a test may break."""
    folder = tmp_path / "content"
    shutil.copytree(CONTENT, folder)
    return folder


def counts() -> dict[str, int]:
    return {
        m.__name__: m.objects.count()
        for m in (Procedure, Claim, ClaimSource, Conflict, Source, Condition, ProcedureRevision)
    }


def test_imports_the_three_guides_from_the_article(db):
    report = guides_import(folder=CONTENT)
    assert sorted(report.created) == sorted(GUIDES)
    assert set(Procedure.objects.values_list("slug", flat=True)) == set(GUIDES)
    massage = Procedure.objects.get(slug="facial-cryomassage")
    assert (massage.duration_min_minutes, massage.duration_max_minutes) == (5, 7)
    assert (massage.course_sessions_min, massage.course_sessions_max) == (15, 20)
    assert massage.practitioner == "cosmetologist"
    assert massage.home_use_allowed is False
    assert massage.avoid_seasons == ["summer"]
    removal = Procedure.objects.get(slug="cryodestruction-of-benign-growths")
    assert removal.practitioner == "dermatologist"
    assert removal.claims.filter(section="referral", trigger="lesion-not-confirmed-benign").exists()


def test_every_contraindication_of_the_article_is_a_structured_claim(db):
    guides_import(folder=CONTENT)
    listed = set(
        Claim.objects.filter(procedure__slug="facial-cryomassage", section="contraindication")
        .exclude(condition=None)
        .values_list("condition__slug", flat=True)
    )
    assert {
        "herpes",
        "pustular-inflammation",
        "cold-allergy",
        "rosacea",
        "epilepsy",
        "frequent-migraines",
    } <= listed


def test_the_rosacea_contradiction_is_recorded_as_a_conflict(db):
    guides_import(folder=CONTENT)
    conflict = Conflict.objects.get(procedure__slug="facial-cryomassage", condition__slug="rosacea")
    sections = sorted(conflict.claims.values_list("section", flat=True))
    assert sections == ["contraindication", "indication"]


def test_every_claim_has_a_source_and_an_evidence_note(db):
    guides_import(folder=CONTENT)
    assert Claim.objects.count() > 40
    assert not Claim.objects.filter(citations=None).exists()
    assert not Claim.objects.filter(evidence="").exists()


def test_importing_twice_changes_nothing(db):
    guides_import(folder=CONTENT)
    before = counts()
    updated_at = dict(Procedure.objects.values_list("slug", "updated_at"))
    report = guides_import(folder=CONTENT)
    assert not report.changed
    assert sorted(report.unchanged) == sorted(GUIDES)
    assert counts() == before
    assert dict(Procedure.objects.values_list("slug", "updated_at")) == updated_at


def test_a_changed_file_updates_its_guide_and_records_a_revision(db, content):
    guides_import(folder=content)
    path = content / "procedures" / "cryoelectrophoresis.yaml"
    path.write_text(path.read_text().replace("position: 3", "position: 4"))
    report = guides_import(folder=content)
    assert report.updated == ["cryoelectrophoresis"]
    assert Procedure.objects.get(slug="cryoelectrophoresis").position == 4
    assert ProcedureRevision.objects.filter(procedure__slug="cryoelectrophoresis").count() == 2


def test_a_removed_file_unpublishes_its_guide(db, content):
    guides_import(folder=content)
    (content / "procedures" / "cryoelectrophoresis.yaml").unlink()
    report = guides_import(folder=content)
    assert report.unpublished == ["cryoelectrophoresis"]
    assert not Procedure.objects.get(slug="cryoelectrophoresis").is_published


def break_file(content: Path, name: str, old: str, new: str) -> None:
    path = content / name
    text = path.read_text()
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1))


def line_of(content: Path, name: str, needle: str) -> int:
    for number, line in enumerate((content / name).read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


@pytest.mark.parametrize(
    ("name", "old", "new", "field", "message"),
    [
        ("procedures/facial-cryomassage.yaml", "kind: cosmetic", "kind: magic", "kind", "Input should be"),
        (
            "procedures/facial-cryomassage.yaml",
            "duration_minutes:",
            "duration_minutez:",
            "duration_minutez",
            "Extra inputs are not permitted",
        ),
        (
            "procedures/cryoelectrophoresis.yaml",
            "slug: cryoelectrophoresis",
            "slug: Not A Slug",
            "slug",
            "should match pattern",
        ),
        (
            "procedures/facial-cryomassage.yaml",
            "condition: herpes",
            "condition: shingles",
            "claims.",
            "unknown condition 'shingles'",
        ),
        (
            "procedures/facial-cryomassage.yaml",
            "source: seed-article",
            "source: tabloid",
            "claims.",
            "unknown source 'tabloid'",
        ),
        (
            "procedures/facial-cryomassage.yaml",
            "section: contraindication",
            "section: gossip",
            "claims.",
            "Input should be",
        ),
    ],
)
def test_a_malformed_file_is_rejected_with_file_line_and_field_and_nothing_is_imported(
    db, content, name, old, new, field, message
):
    expected_line = line_of(content, name, old)
    break_file(content, name, old, new)
    with pytest.raises(ContentInvalid) as caught:
        guides_import(folder=content)
    problem = caught.value.problems[0]
    assert problem.file == name
    assert problem.line == expected_line
    assert problem.field.startswith(field)
    assert message in problem.message
    assert all(n == 0 for n in counts().values())


def test_yaml_syntax_errors_name_the_line(db, content):
    path = content / "procedures" / "cryoelectrophoresis.yaml"
    lines = path.read_text().splitlines()
    lines.insert(3, "summary: [unclosed")
    path.write_text("\n".join(lines))
    with pytest.raises(ContentInvalid) as caught:
        guides_import(folder=content)
    problem = caught.value.problems[0]
    assert problem.file == "procedures/cryoelectrophoresis.yaml"
    assert "YAML syntax" in problem.message
    assert problem.line >= 4
    assert Procedure.objects.count() == 0


def test_a_missing_required_field_points_at_its_parent(db, content):
    path = content / "procedures" / "cryoelectrophoresis.yaml"
    text = path.read_text()
    start = text.index("disclaimer:")
    end = text.index("\n", start)
    # folded disclaimers span several lines: drop the key and its indented continuation
    rest = text[end + 1 :]
    while rest.startswith("  "):
        rest = rest[rest.index("\n") + 1 :]
    path.write_text(text[:start] + rest)
    with pytest.raises(ContentInvalid) as caught:
        guides_import(folder=content)
    assert any(p.field == "disclaimer" and p.message == "Field required" for p in caught.value.problems)


def test_a_bad_file_among_good_ones_leaves_the_database_as_it_was(db, content):
    guides_import(folder=content)
    before = counts()
    break_file(content, "procedures/facial-cryomassage.yaml", "position: 1", "position: first")
    break_file(content, "procedures/cryoelectrophoresis.yaml", "position: 3", "position: 9")
    with pytest.raises(ContentInvalid):
        guides_import(folder=content)
    assert counts() == before
    assert Procedure.objects.get(slug="cryoelectrophoresis").position == 3


def test_duplicate_keys_and_non_utf8_are_refused(db, content):
    (content / "procedures" / "zz-latin1.yaml").write_bytes("name: Caf\xe9\n".encode("latin-1"))
    with pytest.raises(ContentInvalid) as caught:
        guides_import(folder=content)
    assert any("not UTF-8" in p.message for p in caught.value.problems)
    (content / "procedures" / "zz-latin1.yaml").write_text("slug: a\nslug: b\n")
    with pytest.raises(ContentInvalid) as caught:
        guides_import(folder=content)
    assert any(p.message == "this key appears twice" and p.line == 2 for p in caught.value.problems)


def test_the_management_command_reports_problems(db, content, capsys):
    from django.core.management import CommandError, call_command

    break_file(content, "conditions.yaml", "slug: herpes", "slug: Herpes!")
    with pytest.raises(CommandError) as caught:
        call_command("import_guides", folder=content)
    assert "nothing was imported" in str(caught.value)
    assert "conditions.yaml:" in str(caught.value)
    call_command("import_guides", folder=CONTENT)
    call_command("import_guides", folder=CONTENT)
    assert "nothing changed" in capsys.readouterr().out


# Every fact of the source article, as words that must appear in some claim's text or quote of the right guide.
ARTICLE_FACTS = [
    ("facial-cryomassage", "pink"),
    ("facial-cryomassage", "massage lines"),
    ("facial-cryomassage", "evaporate"),
    ("facial-cryomassage", "reed"),
    ("facial-cryomassage", "amino acids"),
    ("facial-cryomassage", "exfoliat"),
    ("facial-cryomassage", "expensive"),
    ("facial-cryomassage", "15\u201320"),
    ("facial-cryomassage", "elasticity"),
    ("facial-cryomassage", "deep wrinkles"),
    ("facial-cryomassage", "plastic surgeons"),
    ("facial-cryomassage", "microcomedones"),
    ("facial-cryomassage", "five minutes"),
    ("facial-cryomassage", "hyperpigmentation"),
    ("facial-cryomassage", "at home"),
    ("facial-cryomassage", "blister"),
    ("facial-cryomassage", "tissue"),
    ("facial-cryomassage", "closed"),
    ("cryodestruction-of-benign-growths", "warts"),
    ("cryodestruction-of-benign-growths", "crust"),
    ("cryodestruction-of-benign-growths", "oncologist"),
    ("cryodestruction-of-benign-growths", "hormonal"),
    ("cryodestruction-of-benign-growths", "higher medical education"),
    ("cryodestruction-of-benign-growths", "not malignant"),
    ("cryoelectrophoresis", "without injections"),
    ("cryoelectrophoresis", "thirty"),
]


@pytest.mark.parametrize(("slug", "words"), ARTICLE_FACTS)
def test_every_fact_of_the_article_is_a_claim(db, slug, words):
    guides_import(folder=CONTENT)
    texts = [
        f"{claim.text} {' '.join(c.quote for c in claim.citations.all())}".lower()
        for claim in Claim.objects.filter(procedure__slug=slug).prefetch_related("citations")
    ]
    assert any(words.lower() in text for text in texts), f"{words!r} is missing from {slug}"


def test_recheck_is_only_for_a_contraindication_with_a_condition(db, content):
    break_file(
        content,
        "procedures/facial-cryomassage.yaml",
        "    section: aftercare\n",
        '    section: aftercare\n    recheck: "when it has healed"\n',
    )
    with pytest.raises(ContentInvalid) as caught:
        guides_import(folder=content)
    problem = caught.value.problems[0]
    assert problem.file == "procedures/facial-cryomassage.yaml" and problem.field.startswith("claims.")
    assert "recheck is for a contraindication with a condition" in problem.message
    assert all(n == 0 for n in counts().values())


def test_the_source_article_is_described_and_cited_by_title_only_where_it_is_about_the_guide(db):
    guides_import(folder=CONTENT)
    article = Source.objects.get(slug="seed-article")
    assert article.described_as == "an unsourced, translated beauty article"
    assert article.label_for("facial-cryomassage").endswith("(an unsourced, translated beauty article)")
    elsewhere = article.label_for("cryoelectrophoresis")
    assert article.title not in elsewhere and "unsourced, translated beauty article" in elsewhere
    leaflet = Source.objects.get(slug="bad-cryotherapy-leaflet")
    assert leaflet.label_for("cryoelectrophoresis") == leaflet.title  # nothing to add: it says what it is
