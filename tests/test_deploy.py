"""The deployment files say what the bot can do: Dockerfile, compose.yaml, the systemd unit.

No image can be built here (no Docker daemon), so what can be checked is checked: the commands
they start are real CLI commands, compose.yaml parses and names only variables of the
configuration contract, nothing secret is baked in, and the image's health check behaves.
"""

from __future__ import annotations

import configparser
import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
# The configuration contract (README, "Run it"; docs of bot/config.py).
CONTRACT = {"BOT_TOKEN", "BOT_API_BASE_URL", "BOT_ADMIN_IDS", "BOT_DB_PATH", "BOT_DATABASE_URL",
            "BOT_REDIS_URL", "BOT_RETENTION_DAYS", "BOT_WEBHOOK_URL", "BOT_WEBHOOK_SECRET",
            "BOT_PORT", "BOT_LISTEN_HOST", "BOT_LANGUAGES", "BOT_CONTENT_DIR",
            "BOT_TEMPLATES_DIR"}
TIMEOUT = 120  # guards against a hang, not a timing


def dockerfile() -> list[tuple[str, str]]:
    """The final stage's instructions as (KEYWORD, arguments), continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    instructions = [tuple(line.split(None, 1)) for line in lines if line and line[0] != "#"]
    last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    return [(word.upper(), rest) for word, rest in instructions[last_from:]]


def instruction(word: str) -> str:
    (found,) = [rest for keyword, rest in dockerfile() if keyword == word]
    return found


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=TIMEOUT, check=False)


def test_the_images_command_is_a_real_cli_command() -> None:
    command = json.loads(instruction("CMD"))
    assert command[0] == "liverbot"
    assert "liverbot = \"bot.__main__:main\"" in (ROOT / "pyproject.toml").read_text("utf-8")
    result = cli(*command[1:], "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python -m bot run")


def test_the_image_is_slim_runs_as_a_user_and_installs_from_the_lock() -> None:
    assert instruction("FROM") == "python:3.11-slim"
    assert instruction("USER") not in ("", "root", "0")
    runs = " ".join(rest for word, rest in dockerfile() if word == "RUN")
    assert "--require-hashes -r /tmp/requirements.lock" in runs
    assert "--no-deps /tmp/dist/liverbot-" in runs
    assert "fonts-" not in runs  # the pictures bring their own fonts (bot/content/fonts)
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(ENV|ARG)\b[^\n]*\b(BOT_TOKEN|BOT_WEBHOOK_SECRET)", text, re.M)


def test_the_images_health_check(tmp_path: Path) -> None:
    options, _, command = instruction("HEALTHCHECK").partition(" CMD ")
    assert "--interval=" in options
    argv = json.loads(command)
    assert argv[:2] == ["python", "-c"]
    env = {"PATH": "/usr/bin:/bin"}
    polling = subprocess.run([sys.executable, "-c", argv[2]], env=env, timeout=TIMEOUT,
                             check=False, capture_output=True)
    assert polling.returncode == 0
    # Webhook mode with nothing listening on BOT_PORT: unhealthy.
    down = subprocess.run([sys.executable, "-c", argv[2]], timeout=TIMEOUT, check=False,
                          capture_output=True, env=env | {"BOT_WEBHOOK_URL": "https://x.example",
                                                          "BOT_PORT": "9"})
    assert down.returncode != 0


def test_compose_parses_and_names_only_contract_variables() -> None:
    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    compose = yaml.safe_load(text)
    bot = compose["services"]["bot"]
    assert set(bot["environment"]) <= CONTRACT
    mentioned = set(re.findall(r"\bBOT_[A-Z_]+", text))  # commented-out lines included
    assert mentioned <= CONTRACT, mentioned - CONTRACT
    assert re.fullmatch(r"\$\{BOT_TOKEN:\?[^}]+\}", bot["environment"]["BOT_TOKEN"])
    # The SQLite file lives on the named volume, so it survives a new container.
    (volume,) = bot["volumes"]
    name, _, mount = volume.partition(":")
    assert name in compose["volumes"]
    assert bot["environment"]["BOT_DB_PATH"].startswith(mount + "/")


def test_composes_settings_are_valid_settings() -> None:
    """What compose passes (its defaults, a token from .env) is a configuration the bot takes."""
    bot = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))["services"]["bot"]
    env = {}
    for name, value in bot["environment"].items():
        required = re.fullmatch(r"\$\{[A-Z_]+:\?[^}]*\}", str(value))
        default = re.fullmatch(r"\$\{[A-Z_]+:-([^}]*)\}", str(value))
        env[name] = ("123456:compose-test-token_abcdefghijkl" if required
                     else default.group(1) if default else str(value))
    Settings.from_env(env)  # raises ConfigError on a value the bot refuses


def test_the_systemd_unit_runs_the_cli_as_a_user() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(ROOT / "deploy" / "liverbot.service", encoding="utf-8")
    service = unit["Service"]
    assert service["User"] not in ("", "root")
    binary, *args = service["ExecStart"].split()
    assert binary.endswith("/liverbot")
    assert cli(*args, "--help").returncode == 0
    assert service["EnvironmentFile"]
    assert service["RestartPreventExitStatus"] == "2"  # rejected token, configuration error
    text = (ROOT / "deploy" / "liverbot.service").read_text(encoding="utf-8")
    assert set(re.findall(r"\bBOT_[A-Z_]+", text)) <= CONTRACT
    assert not re.search(r"BOT_TOKEN=\S", text.replace("BOT_TOKEN=...", ""))
