"""Reading levels (issue 18): "In short" ≤ grade 6, full text ≤ 8 (median ≤ 7.5), urgent ≤ 6."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from bot.content.loader import load_content
from bot.content.markdown import MarkdownConverter
from bot.context import Services
from bot.review.levels import (
    BODY_MAX,
    BODY_MEDIAN_MAX,
    SUMMARY_MAX,
    URGENT_MAX,
    body_median,
    level_problems,
    measure_sections,
)
from bot.review.readability import EXCLUDED_TERMS, measure, plain_measure
from tests.test_cli import ROOT, _run


def test_every_section_meets_the_limits(services: Services) -> None:
    levels = measure_sections(services.content, services.renderer.markdown)
    assert {level.section_id for level in levels} == set(services.content.sections)
    assert level_problems(levels) == []
    for level in levels:  # the same limits, spelled out
        assert level.summary.grade <= SUMMARY_MAX, level.section_id
        assert 2 <= level.summary_sentences <= 3, level.section_id
        limit = URGENT_MAX if level.section_id == "urgent" else BODY_MAX
        assert level.body.grade <= limit, level.section_id
    assert body_median(levels) <= BODY_MEDIAN_MAX


def test_in_short_opens_every_page_with_text(services: Services) -> None:
    for section in services.content.sections.values():
        first = services.views.section(section.id, 1)
        assert first is not None
        if section.body:
            _, _, rest = first.html.partition("<b>In short</b>\n" + _escaped(section.summary))
            assert rest, section.id
            assert section.body.split()[0].strip("*") in rest, section.id  # full text after


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        '"', "&quot;").replace("'", "&#39;")


def test_excluded_terms_count_as_one_short_word() -> None:
    hard = "Chemotherapy and radiotherapy treat metastases."
    assert plain_measure(hard).words == measure(hard).words
    assert plain_measure(hard).grade < measure(hard).grade
    assert plain_measure(hard) == measure("Term and term treat term.")
    assert plain_measure("The bowel heals.") == measure("The bowel heals.")


def test_readme_lists_the_excluded_terms() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = re.search(r"<!-- excluded-terms -->(.*?)<!-- /excluded-terms -->", readme, re.S)
    assert listed, "README must list the excluded terms between the markers"
    assert sorted(re.findall(r"`([^`]+)`", listed.group(1))) == sorted(EXCLUDED_TERMS)


def test_check_reports_grades_and_fails_on_a_hard_summary(tmp_path: Path) -> None:
    ok = _run("check", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert re.search(r"^colorectal_surgery\s+\d+\.\d\s+\d+\.\d$", ok.stdout, re.M)
    content = tmp_path / "en"
    shutil.copytree(ROOT / "content" / "en", content)
    page = content / "ovarian.md"
    text = page.read_text(encoding="utf-8")
    hard = ("Hepatic metastasectomy, undertaken following multidisciplinary deliberation, "
            "substantially prolongs survival. Consequently, operability determination is "
            "paramount.")
    page.write_text(re.sub(r"^summary: .*$", f'summary: "{hard}"', text, count=1, flags=re.M),
                    encoding="utf-8")
    levels = measure_sections(load_content(content), MarkdownConverter())
    grade = next(lv.summary.grade for lv in levels if lv.section_id == "ovarian")
    result = _run("check", "--content", str(content), cwd=tmp_path)
    assert result.returncode == 1
    assert f"ovarian: 'In short' is grade {grade} (max {SUMMARY_MAX})" in result.stderr
