"""End to end: questions typed to the real bot process, answered through the fake Bot API."""

from __future__ import annotations

from tests.botproc import BotProcess
from tests.fakeapi import FakeBotAPI, group_chat
from tests.test_e2e import buttons, say, tap


async def test_typed_questions_reach_sections_and_red_flags_come_first(
        fake: FakeBotAPI, bot: BotProcess) -> None:
    urgent = await say(fake, "Zanzibar here, my dad's skin has gone yellow")
    assert urgent.result["text"].startswith("🚨 When to get help urgently")
    assert "Call your local emergency number" in urgent.result["text"]
    assert buttons(urgent)[0][0] == "🚨 When to get help urgently"

    found = await say(fake, "can they operate on liver spots from bowl cancer")
    assert "Surgery" in [label for label, _ in buttons(found)]
    surgery = await tap(fake, 1001, "Surgery")
    assert surgery.result["text"].startswith("Surgery for bowel cancer in the liver")

    nothing = await say(fake, "what's the weather in Zanzibar")
    assert nothing.result["text"].startswith("Sorry, I couldn't find a topic")
    assert "Treatment" in [label for label, _ in buttons(nothing)]

    group = group_chat(-100777, title="Dad's care")
    in_group = await say(fake, "/search@MetLiverTestBot alpha feto protien", chat=group)
    assert "Alpha-fetoprotein (AFP)" in in_group.result["text"]
    assert in_group.params["reply_parameters"]["message_id"]

    assert "zanzibar" not in bot.log().lower()
