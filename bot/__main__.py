"""Command line: ``python -m bot run | check | stats``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bot.config import ConfigError, Settings, load_dotenv
from bot.content import ContentError


def _settings(*, require_token: bool) -> Settings:
    env = dict(os.environ)
    load_dotenv(Path.cwd() / ".env", env)
    return Settings.from_env(env, require_token=require_token)


def cmd_run(_: argparse.Namespace) -> int:
    """Run the bot: long polling, or a webhook server when BOT_WEBHOOK_URL is set."""
    from telegram import Update

    from bot.app import build_application
    from bot.logs import setup_logging

    settings = _settings(require_token=True)
    setup_logging(secrets=(settings.token, settings.webhook_secret or ""))
    app = build_application(settings)
    if settings.webhook_url:
        app.run_webhook(listen="0.0.0.0", port=settings.port, url_path="telegram",
                        secret_token=settings.webhook_secret,
                        webhook_url=settings.webhook_url.rstrip("/") + "/telegram",
                        allowed_updates=Update.ALL_TYPES)
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


def cmd_check(_: argparse.Namespace) -> int:
    """Load and render all content; print every problem found."""
    from bot.checks import check_all

    problems, summary = check_all(_settings(require_token=False))
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        print(f"check failed: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(summary)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """Print the usage figures ``/stats`` shows, read from the database file (no token needed)."""
    import csv

    from bot import stats
    from bot.content import load_content
    from bot.render import Renderer

    settings = _settings(require_token=False)
    path = args.db or settings.db_path
    try:
        report = stats.read_file(path, args.days)
    except stats.StatsError as exc:
        print(f"stats: {exc}", file=sys.stderr)
        return 1
    if args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(("metric", "key", "value"))
        writer.writerows(stats.csv_rows(report))
    else:
        renderer = Renderer(load_content(settings.content_dir), settings.templates_dir)
        print(stats.plain_text(stats.render(renderer, report)))
    return 0


def _days(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 366:
        raise argparse.ArgumentTypeError(f"expected a number of days from 1 to 366, got {raw!r}")
    return int(raw)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m bot`` and the ``liverbot`` script."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (polling, or webhook if BOT_WEBHOOK_URL is set)")
    sub.add_parser("check", help="validate and render all content")
    stats = sub.add_parser("stats", help="print anonymous usage figures from the database file")
    stats.add_argument("--days", type=_days, default=7, help="period in days (default 7)")
    stats.add_argument("--csv", action="store_true", help="print CSV: metric,key,value")
    stats.add_argument("--db", type=Path, help="database file (default: BOT_DB_PATH)")
    args = parser.parse_args(argv)
    handlers = {"run": cmd_run, "check": cmd_check, "stats": cmd_stats}
    try:
        return handlers[args.command](args)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except ContentError as exc:
        print(f"content error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
