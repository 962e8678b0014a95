"""Content contract: every outline section exists, the seed is covered, corrections applied."""

from __future__ import annotations

import itertools
import re
import shutil
from pathlib import Path

import pytest

from bot.app import build_services
from bot.config import Settings
from bot.content.loader import ContentError, load_content
from bot.context import Services
from tests.conftest import TOKEN

CONTENT = Path(__file__).resolve().parent.parent / "content" / "en"
SEED = (Path(__file__).resolve().parent / "data" / "seed.txt").read_text(encoding="utf-8")

# content-notes.md §1.3: id -> (command, parent)
OUTLINE = {
    "overview": ("overview", "menu"), "causes": ("causes", "menu"),
    "spread": ("spread", "causes"), "spread_portal": ("spread_portal", "spread"),
    "spread_artery": ("spread_artery", "spread"), "spread_direct": ("spread_direct", "spread"),
    "formation": ("how_it_grows", "causes"), "symptoms": ("symptoms", "menu"),
    "tests": ("tests", "menu"), "tests_scans": ("scans", "tests"),
    "tests_blood": ("blood_tests", "tests"), "diagnosis": ("diagnosis", "menu"),
    "find_primary": ("find_primary", "diagnosis"), "treatment": ("treatment", "menu"),
    "colorectal": ("colorectal", "treatment"), "colorectal_why": ("colorectal_why", "colorectal"),
    "colorectal_surgery": ("colorectal_surgery", "colorectal"),
    "colorectal_recurrence": ("colorectal_recurrence", "colorectal"),
    "colorectal_other": ("colorectal_other", "colorectal"), "breast": ("breast", "treatment"),
    "ovarian": ("ovarian", "treatment"), "neuroendocrine": ("neuroendocrine", "treatment"),
    "lung": ("lung", "treatment"), "urgent": ("urgent", "menu"),
    "specialist": ("specialist", "menu"), "glossary": ("glossary", "menu"),
    "about": ("about", "menu"),
    "support": ("support", "menu"),  # added (content-notes §3 S7, issue 17)
}
GLOSSARY_KEYS = [
    "metastasis", "secondary_liver_cancer", "primary_liver_cancer", "portal_vein",
    "hepatic_artery", "cirrhosis", "hepatitis", "jaundice", "ascites", "ultrasound", "ct_mri",
    "pet_ct", "liver_function_tests", "afp", "tumour_markers", "biopsy", "hepatectomy",
    "radical_palliative", "ablation", "alcohol_injection", "adjuvant", "arterial_chemo", "net",
    "somatostatin_analogue", "mdt",
]


def test_every_outline_section_exists_with_its_command_and_parent(services: Services) -> None:
    sections = services.content.sections
    assert set(sections) == set(OUTLINE)
    for section_id, (command, parent) in OUTLINE.items():
        assert (sections[section_id].command, sections[section_id].parent) == (command, parent)


def test_front_matter_is_complete(services: Services) -> None:
    for section in services.content.sections.values():
        assert 0 < len(section.summary) <= 200, section.id
        assert section.keywords, section.id
        assert section.sources, section.id
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", section.last_reviewed), section.id
        assert section.origin in {"seed", "added"}, section.id
        assert len(section.label) <= 40, section.id


def test_seed_spans_cover_the_whole_seed_once() -> None:
    assert len(SEED) == 15865
    content = load_content(CONTENT)
    # colorectal is the union of its four children, so it is left out of the tiling.
    spans = sorted(s.seed_span for s in content.sections.values()
                   if s.seed_span and s.id != "colorectal")
    assert spans[0][0] == 0
    assert spans[-1][1] == len(SEED)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start == end + 1
        assert SEED[end] == " "
    assert content.sections["colorectal"].seed_span == (7509, 12017)
    added = {s.id for s in content.sections.values() if s.seed_span is None}
    assert added == {"urgent", "specialist", "glossary", "about", "support"}
    assert all(content.sections[a].origin == "added" for a in added)


def test_glossary_has_every_term(services: Services) -> None:
    assert list(services.content.terms) == GLOSSARY_KEYS
    for term in services.content.terms.values():
        assert 0 < len(term.label) <= 32, term.key  # fits a button on a phone
        assert term.definition
        assert term.sources


@pytest.mark.parametrize(("pattern", "allowed"), [
    (r"methotrexate", {"about"}),
    (r"secondary hepatocellular", {"about"}),
    (r"not to seek", {"about"}),
    (r"growth inhibitor", {"about"}),
    (r"vincristine", {"about"}),
    (r"innominate", {"about"}),
    (r"\b90 ?%", set()),
    (r"godfather", set()),
])
def test_translation_errors_are_corrected(services: Services, pattern: str,
                                          allowed: set[str]) -> None:
    for section in services.content.sections.values():
        text = " ".join((section.body, *section.notes))
        if section.id not in allowed:
            assert not re.search(pattern, text, re.IGNORECASE), (section.id, pattern)


def test_key_corrections_are_present(services: Services) -> None:
    sections = services.content.sections
    assert "AFP" in sections["diagnosis"].body
    assert "somatostatin" in sections["neuroendocrine"].body.lower()
    assert "hepatobiliary" in sections["colorectal_other"].body.lower()
    about = sections["about"].body
    for code in ("methotrexate", "somatostatin", "hepatocellular"):
        assert code in about.lower(), code


def test_safety_text_is_separate(services: Services) -> None:
    sections = services.content.sections
    assert sections["symptoms"].notes, "symptoms must point to urgent signs (S2)"
    assert any("/urgent" in n for n in sections["symptoms"].notes)
    assert "emergency" in sections["urgent"].body.lower()
    assert "fever" in sections["urgent"].body.lower() or "temperature" in sections[
        "urgent"].body.lower()


def _copy_content(tmp_path: Path) -> Path:
    target = tmp_path / "en"
    shutil.copytree(CONTENT, target)
    return target


def test_adding_a_section_needs_no_code_change(tmp_path: Path) -> None:
    folder = _copy_content(tmp_path)
    (folder / "diet.md").write_text(
        "---\nid: diet\ncommand: diet\ntitle: Eating well\nparent: treatment\norder: 9\n"
        "summary: Food during treatment.\nkeywords: [food]\nsources: [{title: Test}]\n"
        "last_reviewed: 2026-11-30\n---\nEat **well**.\n", encoding="utf-8")
    services = build_services(Settings(token=TOKEN, content_dir=folder))
    assert services.content.by_command("diet").id == "diet"
    view = services.views.section("diet")
    assert view is not None
    assert "<b>well</b>" in view.html
    parent = services.views.section("treatment")
    assert parent is not None
    assert "1|s|diet|1" in {b.callback_data for row in parent.keyboard.inline_keyboard
                            for b in row}


@pytest.mark.parametrize(("edit", "message"), [
    (("overview.md", "command: overview", "command: breast"), "already used"),
    (("overview.md", "parent: menu", "parent: nowhere"), "parent 'nowhere' does not exist"),
    (("overview.md", "command: overview", "command: Over-View"), "must match"),
    (("overview.md", "command: overview", "command: start"), "reserved"),
    (("spread.md", "parent: causes", "parent: spread_portal"), "loop"),
    (("overview.md", "summary:", "sumary:"), "missing front matter keys: summary"),
    (("glossary.yaml", "section: tests_blood", "section: nowhere"), "unknown section"),
])
def test_broken_content_is_reported_precisely(tmp_path: Path, edit: tuple[str, str, str],
                                             message: str) -> None:
    folder = _copy_content(tmp_path)
    name, old, new = edit
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ContentError, match=re.escape(message)):
        load_content(folder)
