"""End to end: conversation and crisis through the real bot process and the fake Bot API, the
console conversation of issue 17, and nothing of any message in the usage database or the log."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from tests.botproc import BotProcess, running_bot
from tests.consoleproc import ConsoleSession, Reply
from tests.fakeapi import FakeBotAPI, group_chat, message_update
from tests.test_e2e import buttons, say
from tests.test_e2e_usage import logged
from tests.usagekit import rows

CRISIS_TOP = "I'm really sorry you're feeling this way."
# Distinctive words that must not reach the database or the log.
SECRET = "Quillfeather"


def database_bytes(folder: Path) -> bytes:
    """Every byte of the usage database, its WAL and shared-memory file."""
    return b"".join(p.read_bytes() for p in sorted(folder.glob("usage.sqlite3*")))


def contacts_first(text: str) -> None:
    """The crisis reply: heading, then the contacts, before anything else."""
    heading, contacts = text.split("\n\n")[:2]
    assert heading.startswith(CRISIS_TOP)
    for number in ("911", "988", "116 123", "findahelpline.com"):
        assert number in contacts


async def test_crisis_in_private_and_in_a_group_gets_the_same_reply(
        fake: FakeBotAPI, tmp_path: Path) -> None:
    async with running_bot(fake, tmp_path) as bot:
        private = await say(fake, f"{SECRET} here. i cant go on like this, i want to die")
        contacts_first(private.result["text"])
        assert "couldn't find" not in private.result["text"]
        group = group_chat(-100777, title="Dad's care")
        in_group = await say(fake, f"/search@MetLiverTestBot {SECRET}: I want to end my life",
                             chat=group)
        assert in_group.result["text"] == private.result["text"]
        assert in_group.params["reply_parameters"]["message_id"]  # answers the person
        russian = await say(fake, "хочу умереть")  # the English bot still answers, in Russian
        assert "8-800-2000-122" in russian.result["text"].split("\n\n")[1]
        # red flags come before feelings; the search puts the urgent advice first
        urgent = await say(fake, "I'm terrified, dad's skin has gone yellow")
        assert urgent.result["text"].startswith("🚨 When to get help urgently")
        assert await bot.stop(signal.SIGTERM) == 0
        assert SECRET.lower() not in bot.log().lower()
        assert "want to die" not in bot.log()
    path = tmp_path / "usage.sqlite3"
    assert rows(path, "SELECT kind, section, chat_type, sum(n) FROM events "
                      "GROUP BY 1, 2, 3 ORDER BY 1, 3") == [
        ("crisis", "", "private", 2), ("crisis", "", "supergroup", 1),
        ("search", "urgent", "private", 1)]
    data = database_bytes(tmp_path)
    for needle in (SECRET, "want to die", "умереть", "end my life", "terrified"):
        assert needle.encode() not in data, needle


async def test_small_talk_and_feelings_get_kind_fitting_answers(fake: FakeBotAPI,
                                                                bot: BotProcess) -> None:
    hello = await say(fake, "helo")
    assert hello.result["text"].startswith("Hello, I'm glad you're here.")
    assert "Treatment" in [label for label, _ in buttons(hello)]  # with the menu
    thanks = await say(fake, "thank you so much")
    assert thanks.result["text"].startswith("You're welcome.")
    assert buttons(thanks) == []  # without the menu
    human = await say(fake, "are you a real doctor?")
    assert "not a person or a doctor" in human.result["text"]
    assert "0808 808 00 00" in human.result["text"]
    scared = await say(fake, "I'm so scared, my mum was just told it has spread to her liver")
    text = scared.result["text"]
    assert text.startswith("I'm so sorry.")
    assert "Topics in this guide that match your words" in text  # it also asks something
    labels = [label for label, _ in buttons(scared)]
    assert "💬 Someone to talk to" in labels
    assert len(labels) >= 3
    await logged(bot, "ready as")
    assert "scared" not in bot.log()


def said(reply: Reply) -> str:
    """The bot's message in a console reply, without the "── bot ──" line."""
    return reply.text.split("── bot ──\n", 1)[1]


def test_the_console_conversation_from_the_issue(tmp_path: Path) -> None:
    console = ConsoleSession(tmp_path)
    hello = console.send("hello")
    assert said(hello).startswith("Hello, I'm glad you're here.")
    assert "couldn't find" not in hello.text
    assert said(console.send("thank you so much")).startswith("You're welcome.")
    human = console.send("are you a real doctor?")
    assert "I'm an automated guide, not a person or a doctor." in human.text
    feelings = console.send("I'm so scared, my mum was just told it has spread to her liver")
    assert said(feelings).startswith("I'm so sorry.")
    assert "💬 Someone to talk to" in feelings.buttons
    # the five messages of the kind suicide-prevention guidance lists, from the issue
    for line in ("I want to end my life", "I can't go on like this, I want to die",
                 "I don't want to be here anymore", "what's the point of living",
                 "I can't go on"):
        reply = console.send(line)
        contacts_first(said(reply))
    support = console.send(reply.press("💬 Someone to talk to"))
    assert "Feelings, support and someone to talk to" in support.text
    code, _, err = console.finish("/quit")
    assert code == 0, err


async def test_stats_show_the_kinds_with_the_small_count_rule(fake: FakeBotAPI,
                                                              tmp_path: Path) -> None:
    admin = {"BOT_ADMIN_IDS": "1001"}
    async with running_bot(fake, tmp_path, env=admin):
        for _ in range(5):
            await say(fake, "thanks")
        await say(fake, "hello")
        await asyncio.sleep(0)  # the events are queued; /stats reads the queue too
        stats = await say(fake, "/stats")
    text = stats.result["text"]
    assert "thanks 5" in text
    assert "greetings" not in text  # one greeting: too few to be named at all (issue 15)


async def test_a_crisis_in_other_words_gets_the_contacts_before_the_answer(
        fake: FakeBotAPI, tmp_path: Path) -> None:
    """No crisis phrase, but death and 'no reason' are mentioned: contacts first, then topics."""
    async with running_bot(fake, tmp_path) as bot:
        mark = fake.mark()
        fake.push_update(message_update(
            "nothing left for me. what is ascites"))
        await fake.wait_for("sendMessage", lambda c: c.ok and "scites" in c.params["text"]
                            and not c.params["text"].startswith(CRISIS_TOP), after=mark)
        sent = [c.result["text"] for c in fake.calls[mark:]
                if c.method == "sendMessage" and c.ok]
        contacts_first(sent[0])
        assert "scites" in sent[1]
        assert await bot.stop(signal.SIGTERM) == 0


async def test_ok_haha_lol_get_no_reply_in_a_group_and_one_line_in_private(
        fake: FakeBotAPI, bot: BotProcess) -> None:
    """A family laughing at or nodding to the bot's answer needs no reply in the group (and no
    "couldn't find"); in private a lone "ok" gets one line, and "goodbye" no crisis contacts."""
    group = group_chat(-100888, title="Dad's care")
    answer = await say(fake, "/search@MetLiverTestBot what is ascites", chat=group)
    ours = answer.result
    mark = fake.mark()
    for text in ("haha", "ok", "lol", "👍"):
        fake.push_update(message_update(text, chat=group, reply_to_message=ours))
    fake.push_update(message_update("thank you", chat=group, reply_to_message=ours))
    # one chat's updates are answered in order: once "thank you" is answered, the rest were read
    thanks = await fake.wait_for("sendMessage", lambda c: c.ok and c.params["chat_id"] ==
                                 group["id"], after=mark)
    assert thanks.result["text"].startswith("You're welcome.")
    assert [c for c in fake.calls[mark:] if c.method == "sendMessage"] == [thanks]
    ok = await say(fake, "ok")
    assert ok.result["text"].startswith("👍 Ask me anything else")
    goodbye = await say(fake, "goodbye")
    assert goodbye.result["text"].startswith("Goodbye, and take care.")
