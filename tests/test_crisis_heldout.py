"""Crisis recall on eight lists written independently of the bot's examples, and on a training
list (issue 17).

Two tiers are measured: the crisis phrases alone (the crisis reply, nothing else), and crisis +
risk (``risk:`` in ``content/<lang>/conversation.yaml``: the crisis contacts first, then the
message's own answer). Figures are en / ru / zh-Hans.

- ``crisis_heldout.yaml`` (**seen**): first run, crisis alone, 16/30, 8/20, 12/20; the crisis
  phrases were then widened by warning-sign category. Held at 100 %, crisis alone.
- ``crisis_heldout2.yaml`` (**seen** for the risk tier): first run, crisis alone, 7/30, 9/20,
  10/20 (its clean figure); the risk tier was then written while looking at its misses. Held at
  its first-run figure (crisis alone) and 100 % (crisis + risk).
- ``crisis_heldout3.yaml`` (**seen**), written by another helper without the repository. First
  run with the recogniser frozen at commit 09151d2: crisis alone 20/40, 14/25, 12/25; crisis +
  risk 30/40, 20/25, 20/25. Phrases were then added by class for its misses (not feeling safe,
  self-harm to a body part, overdose already taken, lethal amounts, "take me in my sleep", worry
  about someone else, final arrangements): now 29/40, 21/25, 24/25 alone and 100 % with risk,
  which is what it is held at.
- ``crisis_heldout4.yaml`` (**seen**), written by a third helper without the repository. First
  run with the recogniser frozen at commit b305e24: crisis alone 24/40, 10/25, 16/25; crisis +
  risk 32/40, 21/25, 18/25. Risk phrases were then added by class for its misses (taking
  everything at once, "because I'm considering it", a carer ending both lives, driving into water
  or a wall, a last message, hastening the end): held at 100 % with risk, and at its first run
  alone.
- ``crisis_heldout5.yaml`` (**seen**), written by a fourth helper without the repository. First
  run with the recogniser frozen at commit 2464039: crisis alone 17/40, 9/25, 12/25; crisis +
  risk 28/40, 20/25, 18/25 (its clean figure). Risk phrases and ``risk_together`` rules were
  then added by class for its misses (final arrangements, giving things away, a chosen day, a
  last message, hastening the end, someone else with the means, a carer ending both lives,
  self-harm again): held at 100 % with risk, and at its first run alone.
- ``crisis_train.yaml`` (**training**, seen): 240 crisis messages and 80 near misses written by
  another helper from public suicide-prevention guidance, without the repository. Its first run
  came after list 5's phrases were added (commit 16e4868) and before any were written from it:
  crisis + risk 100/120, 42/60, 48/60 (with the recogniser of list 5's first run: 83/120, 35/60,
  39/60). Phrases were then added by class for its misses; held at 100 % with risk.

- ``crisis_heldout6.yaml`` (**seen**), written by a fifth helper without the repository, run once
  by the lead on the recogniser frozen after the training list (commit 14724a7): crisis alone
  15/40, 12/25, 14/25; crisis + risk 38/40, 24/25, 23/25 (its clean figure). Risk phrases were
  then added by class for its five misses (a lethal amount asked in text spelling, looking up
  ways, a date set for oneself, a window that opens high up, a farewell "till the next life"):
  held at 100 % with risk, and at its first run alone.

- ``crisis_heldout7.yaml`` (**seen**), written by a sixth helper without the repository, run once
  by the lead on the recogniser frozen after list 6 (commit 3b96631): crisis alone 17/40, 10/25,
  10/25; crisis + risk 38/40, 25/25, 24/25 (its clean figure). Then added by class for its three
  misses (which medicine would be quickest, how much would "cause trouble", leaving and not
  coming back with papers put in order): held at 100 % with risk, and at its first run alone.

- ``crisis_heldout8.yaml`` (**clean**), written by a seventh helper without the repository, run
  once by the lead on the recogniser frozen after list 7 (commit 92c6d26), never tuned on: crisis
  alone 20/40, 14/25, 20/25; crisis + risk **40/40, 25/25, 25/25**. Held at exactly that first
  run. This is the honest figure: every crisis message of a list in new words got the contacts
  first, at the cost of 12 of its 35 near misses getting them too.

Near misses (non-crisis messages that mention death, pills, "killing me" …) given the contacts
are bounded per list below; a false alarm costs one extra message, a miss may cost a life.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.app import build_services
from bot.config import Settings
from bot.context import Services
from bot.search.conversation.route import route

DATA = Path(__file__).resolve().parent / "data"
TOKEN = "123456:TEST-token-not-real_abcdefghijklmnop"
LANGUAGE = {"en": "en", "ru": "ru", "zh": "zh-Hans"}
# Clean figures of crisis_heldout2.yaml when it was first run, crisis phrases alone.
FIRST_RUN_2 = {"en": 7 / 30, "ru": 9 / 20, "zh-Hans": 10 / 20}
# crisis_heldout3.yaml after its misses were looked at (seen), crisis phrases alone.
SEEN_3 = {"en": 29 / 40, "ru": 21 / 25, "zh-Hans": 24 / 25}
# The first run of crisis_heldout4.yaml (seen since), crisis alone.
FIRST_RUN_4 = {"en": 24 / 40, "ru": 10 / 25, "zh-Hans": 16 / 25}
# The first run of crisis_heldout5.yaml (seen since), crisis alone.
FIRST_RUN_5 = {"en": 17 / 40, "ru": 9 / 25, "zh-Hans": 12 / 25}
# The first run of crisis_heldout6.yaml (seen since), crisis alone.
FIRST_RUN_6 = {"en": 15 / 40, "ru": 12 / 25, "zh-Hans": 14 / 25}
# The first run of crisis_heldout7.yaml (seen since), crisis alone.
FIRST_RUN_7 = {"en": 17 / 40, "ru": 10 / 25, "zh-Hans": 10 / 25}
# The clean first run of crisis_heldout8.yaml (never tuned on), crisis alone.
FIRST_RUN_8 = {"en": 20 / 40, "ru": 14 / 25, "zh-Hans": 20 / 25}
# The training list after its misses were looked at, crisis alone.
SEEN_TRAIN = {"en": 49 / 120, "ru": 14 / 60, "zh-Hans": 27 / 60}
ALL = {"en": 1.0, "ru": 1.0, "zh-Hans": 1.0}
REAL = DATA / "real_questions.yaml"


@pytest.fixture(scope="module")
def services() -> Services:
    return build_services(Settings(token=TOKEN))


def recall(services: Services, name: str, *, with_risk: bool = False,
           ) -> tuple[dict[str, float], dict[str, int]]:
    """Crisis recall per language, and false alarms per language on the near misses.

    ``with_risk`` counts a message that gets the contacts first through the risk tier too.
    """
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    false_alarms: Counter[str] = Counter()
    assert services.conversation is not None
    for item in yaml.safe_load((DATA / name).read_text(encoding="utf-8"))["messages"]:
        language = LANGUAGE[item["lang"]]
        decided = route(item["text"], language, services.conversation, services.search)
        crisis = decided.kind == "crisis" or (with_risk and decided.risk)
        if item["crisis"]:
            totals[language] += 1
            hits[language] += crisis
        else:
            false_alarms[language] += crisis
    return {lang: hits[lang] / totals[lang] for lang in totals}, dict(false_alarms)


def test_the_seen_list_is_recalled_in_full(services: Services) -> None:
    found, false_alarms = recall(services, "crisis_heldout.yaml")
    assert found == {"en": 1.0, "ru": 1.0, "zh-Hans": 1.0}
    assert sum(false_alarms.values()) == 0


def test_the_clean_list_does_not_get_worse(services: Services) -> None:
    found, false_alarms = recall(services, "crisis_heldout2.yaml")
    for language, share in FIRST_RUN_2.items():
        assert found[language] >= share, (language, found[language])
    assert sum(false_alarms.values()) <= 1  # one: "万一我不在了" in a letter for a daughter


def test_every_message_on_both_lists_gets_the_contacts_first(services: Services) -> None:
    for name in ("crisis_heldout.yaml", "crisis_heldout2.yaml"):
        found, _ = recall(services, name, with_risk=True)
        assert found == {"en": 1.0, "ru": 1.0, "zh-Hans": 1.0}, name


def test_the_third_list_is_seen_and_held_in_full(services: Services) -> None:
    found, _ = recall(services, "crisis_heldout3.yaml", with_risk=True)
    assert found == {"en": 1.0, "ru": 1.0, "zh-Hans": 1.0}
    alone, false_alarms = recall(services, "crisis_heldout3.yaml")
    for language, share in SEEN_3.items():
        assert alone[language] >= share, (language, alone[language])
    assert sum(false_alarms.values()) == 0  # crisis alone: no near miss gets the crisis reply
    _, with_risk = recall(services, "crisis_heldout3.yaml", with_risk=True)
    assert sum(with_risk.values()) <= 12  # of 35 near misses: 4 en, 6 ru, 2 zh-Hans


# Lists held in full with the contacts first: (file, crisis-alone floors per language, near misses
# given the contacts at most, near misses given the crisis reply alone at most). Lists 4-7 and the
# training list are seen; list 8 is clean, held at its first run.
HELD = [
    # first run: 8 en, 4 ru, 2 zh-Hans near misses given the contacts; alone: "Mum wants to die
    # at home"
    ("crisis_heldout4.yaml", FIRST_RUN_4, 14, 1),
    ("crisis_heldout5.yaml", FIRST_RUN_5, 11, 0),  # first run: 6 en, 5 ru, 0 zh-Hans
    ("crisis_heldout6.yaml", FIRST_RUN_6, 12, 1),  # 4 en, 5 ru, 3 zh-Hans; alone: one zh-Hans
    ("crisis_heldout7.yaml", FIRST_RUN_7, 14, 0),  # first run: 7 en, 4 ru, 3 zh-Hans
    ("crisis_heldout8.yaml", FIRST_RUN_8, 12, 1),  # clean: 5 en, 5 ru, 2 zh-Hans; alone: one
    # 13 en, 9 ru, 4 zh-Hans; alone: "Overdose risk with my pain meds", …
    ("crisis_train.yaml", SEEN_TRAIN, 26, 2),
]


@pytest.mark.parametrize(("name", "floors", "near_with_risk", "near_alone"), HELD,
                         ids=[row[0] for row in HELD])
def test_every_crisis_message_gets_the_contacts_first(services: Services, name: str,
                                                      floors: dict[str, float],
                                                      near_with_risk: int,
                                                      near_alone: int) -> None:
    """Every crisis message of the list gets the contacts first; worse than before fails."""
    found, with_risk = recall(services, name, with_risk=True)
    assert found == ALL
    assert sum(with_risk.values()) <= near_with_risk
    alone, false_alarms = recall(services, name)
    for language, share in floors.items():
        assert alone[language] >= share, (language, alone[language])
    assert sum(false_alarms.values()) <= near_alone


def test_few_real_topic_questions_get_the_contacts_first(services: Services) -> None:
    """The risk tier's cost: real questions that mention dying get the contacts above the answer.

    13 of 139 when the tier was written (6 of 73 on the dev half, 7 of 66 on the test half), most
    through a forgiven typo ("dear" read as "dead", "done" as "gone"); with typos forgiven only
    from six letters (chosen on the dev half) 0 dev and 4 test ("a death sentence"). The set grew
    to 215 on 2026-12-01 (issue 16): its 40 new dev questions add none, its 36 new test questions
    2 (measured once, the risk tier unchanged). Widening the risk phrases after list 4 was checked
    on the dev half (still 0; test half still 6). Widening after list 5 and the training list
    once made this test fail (7 on the test half; only the count was seen, not the question):
    three rules judged too broad for long forum posts were narrowed (a medicine + "enough" or
    "all his"; "both of us" + "go"; "stopped" + "quickly"), and it passed again. A false alarm is
    accepted; these hold it from growing.
    """
    assert services.conversation is not None
    questions = yaml.safe_load(REAL.read_text(encoding="utf-8"))["questions"]
    flagged: Counter[str] = Counter()
    for question in questions:
        flagged[question["half"]] += route(question["q"], "en", services.conversation,
                                           services.search).risk
    assert flagged["dev"] == 0
    assert flagged["test"] <= 6  # 4 of the first 66, 2 of the 36 added


def report(services: Services, name: str) -> str:
    """One list's figures per language: crisis alone, crisis + risk, near-miss false alarms."""
    lines = [name]
    for with_risk in (False, True):
        found, false_alarms = recall(services, name, with_risk=with_risk)
        data = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))["messages"]
        totals = Counter(LANGUAGE[m["lang"]] for m in data if m["crisis"])
        near = Counter(LANGUAGE[m["lang"]] for m in data if not m["crisis"])
        tier = "crisis + risk" if with_risk else "crisis alone"
        lines.append(f"  {tier}: " + ", ".join(
            f"{lang} {round(found[lang] * totals[lang])}/{totals[lang]}" for lang in totals)
            + "; near-miss false alarms " + ", ".join(
            f"{lang} {false_alarms.get(lang, 0)}/{near[lang]}" for lang in near))
    return "\n".join(lines)


if __name__ == "__main__":  # python -m tests.test_crisis_heldout crisis_heldout3.yaml
    import sys

    built = build_services(Settings(token=TOKEN))
    lists = [*(f"crisis_heldout{n}.yaml" for n in ("", 2, 3, 4, 5, 6, 7, 8)), "crisis_train.yaml"]
    for list_name in sys.argv[1:] or lists:
        print(report(built, list_name))
