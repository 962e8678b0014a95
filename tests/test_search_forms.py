"""Word families (forms the stemmer leaves apart) and the primary cancer a message names."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.loader import ContentError, load_content
from bot.search.families import families
from bot.search.index import SearchIndex

CONTENT = Path(__file__).resolve().parent.parent / "content" / "en"


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    """The index over the real content."""
    return SearchIndex.build(load_content(CONTENT), CONTENT / "search.yaml")


def test_a_stem_plus_a_derived_ending_joins_the_family_of_the_shortest_stem() -> None:
    found = families(["treat", "treatment", "metastas", "metastasi", "metastasis", "live",
                      "liver", "second", "secondari"], ["ment", "i", "s", "r"])
    assert found == {"treatment": "treat", "metastasi": "metastas", "metastasis": "metastas"}
    assert families(["treat", "treatment"], []) == {}  # no endings listed: nothing joins


@pytest.mark.parametrize(("one", "other"), [
    ("can it be treated", "treatment"), ("how is it diagnosed", "diagnosis"),
    ("a metastasis", "metastases"), ("the pancreas", "pancreatic"), ("ovary", "ovarian"),
])
def test_derived_forms_are_searched_as_one_word(index: SearchIndex, one: str,
                                                other: str) -> None:
    assert index.lexicon.stems(other)[-1] in index.lexicon.stems(one)


def test_stems_of_different_words_stay_apart(index: SearchIndex) -> None:
    assert index.lexicon.stems("second opinion")[0] != index.lexicon.stems("secondary")[0]
    assert index.lexicon.stems("live")[0] != index.lexicon.stems("liver")[0]


@pytest.mark.parametrize(("query", "primary"), [
    ("my mum's breast cancer is in her liver now, what treatment can she have", "breast"),
    ("ovarian cancer with liver mets, is chemo an option", "ovarian"),
    ("lung cancer has spread to the liver, what treatments are there", "lung"),
])
def test_a_named_primary_cancer_puts_its_own_page_first(index: SearchIndex, query: str,
                                                        primary: str) -> None:
    assert index.search(query)[0].ref == primary


def test_a_place_of_spread_is_no_primary_cancer(index: SearchIndex) -> None:
    found = [m.ref for m in index.search("bowel cancer that has spread to the lungs and liver, "
                                         "what treatment is there")]
    assert found[0].startswith("colorectal")
    assert "lung" not in found[:1]


def test_a_message_naming_no_primary_puts_no_primary_page_first(index: SearchIndex) -> None:
    found = index.search("can liver metastases be operated if chemotherapy does not work")
    assert found[0].ref not in {"breast", "ovarian", "lung", "neuroendocrine"}


def test_a_primary_naming_no_section_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "search.yaml"
    text = (CONTENT / "search.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("  breast: [breast]", "  brest: [breast]", 1), encoding="utf-8")
    with pytest.raises(ContentError, match="primaries: no section 'brest'"):
        SearchIndex.build(load_content(CONTENT), path)
