"""Command line: ``python -m bot run | check | console | preview OUT_DIR | stats``."""

from __future__ import annotations

import argparse
import os
import sys
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings, load_dotenv
from bot.content.loader import ContentError

if TYPE_CHECKING:
    from telegram.ext import Application


def _settings(*, require_token: bool) -> Settings:
    env = dict(os.environ)
    load_dotenv(Path.cwd() / ".env", env)
    return Settings.from_env(env, require_token=require_token)


def cmd_run(args: argparse.Namespace) -> int:
    """Run the bot: long polling, or a webhook server when BOT_WEBHOOK_URL is set.

    Waits for Telegram with back-off while it is unreachable; a rejected token is one line on
    stderr and exit code 2 (see bot/startup.py). ``--workers N`` starts N webhook workers.
    """
    from bot.logs import install_excepthook, setup_logging
    from bot.startup import StartupFailed, Stopped, run_until_stopped

    settings = _settings(require_token=True)
    settings.check_workers(args.workers)
    secrets = (settings.token, settings.webhook_secret or "")
    setup_logging(secrets=secrets)
    install_excepthook(secrets)
    if args.workers > 1:
        from bot.transport.workers import supervise

        return supervise(args.workers)
    try:
        run_until_stopped(settings, partial(_serve, reuse_port=args.worker))
    except StartupFailed as exc:
        print(exc, file=sys.stderr)
        return 2
    except Stopped:
        return 0
    return 0


def _serve(app: Application, settings: Settings,  # type: ignore[type-arg]
           *, reuse_port: bool = False) -> None:
    """Run ``app`` until a stop signal: webhook server or long polling."""
    from bot.app import ALLOWED_UPDATES, forced_exit, webhook_server

    try:
        if settings.webhook_url:
            from bot.transport.serving import run_webhook

            run_webhook(app, settings, webhook_server(app), ALLOWED_UPDATES,
                        reuse_port=reuse_port)
        else:
            app.run_polling(allowed_updates=ALLOWED_UPDATES)
    except (SystemExit, KeyboardInterrupt):  # a second signal during the shutdown
        forced_exit(app)


def cmd_check(args: argparse.Namespace) -> int:
    """Load and render all content; print every problem found."""
    from dataclasses import replace

    from bot.review.check import check_all

    settings = _settings(require_token=False)
    if args.content:
        settings = replace(settings, content_dir=Path(args.content))
    problems, summary = check_all(settings)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        print(f"check failed: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(summary)
    return 0


def cmd_fonts(_: argparse.Namespace) -> int:
    """Cut the Chinese font down to the characters the pictures' and the chart's labels use."""
    from dataclasses import replace

    from bot.app import build_services
    from bot.content.languages import SOURCE, load_languages
    from bot.review.glyphs import make_subsets

    settings = _settings(require_token=False)
    known = load_languages(settings.locale_dir / "languages.yaml").known
    present = tuple(t for t in known if t == SOURCE or (settings.content_dir.parent / t).is_dir())
    for path in make_subsets(build_services(replace(settings, languages=present))):
        print(f"wrote {path} ({path.stat().st_size // 1024} KB)")
    return 0


def cmd_frequencies(_: argparse.Namespace) -> int:
    """Write the English word frequencies the search weighs unknown words by (needs wordfreq)."""
    from bot.search.frequency import FILE, write

    path = _settings(require_token=False).content_dir / FILE
    print(f"wrote {path} ({write(path)} stems)")
    return 0


def cmd_catalogs(_: argparse.Namespace) -> int:
    """Extract the UI wording and bring every ``locale/*/messages.po`` up to date."""
    from bot.content.languages import load_languages
    from bot.review.catalogs import update

    settings = _settings(require_token=False)
    languages = load_languages(settings.locale_dir / "languages.yaml")
    for path in update(settings.templates_dir, settings.locale_dir, languages):
        print(f"updated {path}")
    return 0


def cmd_translation_hash(args: argparse.Namespace) -> int:
    """Print the ``from_hash`` of an English content file (docs/translations.md)."""
    from bot.content.translation import file_hash, text_hash

    path = Path(args.file)
    if not path.is_file():
        print(f"translation-hash: no such file: {path}", file=sys.stderr)
        return 2
    print(file_hash(path) if path.suffix in (".yaml", ".yml") else text_hash(path))
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    """Chat with the bot in this terminal through an in-process Bot API: no token, no network."""
    from bot.console.chat import run_console

    return run_console(_settings(require_token=False), admin=args.admin, stdin=sys.stdin,
                       stdout=sys.stdout, env=os.environ, lang=args.lang)


def cmd_preview(args: argparse.Namespace) -> int:
    """Write a static HTML site of every page, for review by clinicians."""
    from bot.review.preview import build_preview

    out_dir = Path(args.out_dir)
    try:
        index = build_preview(_settings(require_token=False), out_dir)
    except OSError as exc:
        print(f"preview error: cannot write into {out_dir}: {exc.strerror or exc}",
              file=sys.stderr)
        return 2
    print(f"preview written: open {index}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """Print the usage figures ``/stats`` shows, read from the database (no token needed)."""
    import csv

    from bot.content.loader import load_content
    from bot.content.render import Renderer
    from bot.usage import stats

    settings = _settings(require_token=False)
    path = args.db or settings.db_path
    try:
        if settings.database_url and args.db is None:
            from bot.usage.postgres import read_report

            report = read_report(settings.database_url, args.days)
        else:
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


def _language(raw: str) -> str:
    from bot.config import Settings
    from bot.content.languages import load_languages

    known = load_languages(Settings(token="").locale_dir / "languages.yaml").known
    if raw not in known:
        raise argparse.ArgumentTypeError(f"expected one of {', '.join(known)}, got {raw!r}")
    return raw


def _days(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 366:
        raise argparse.ArgumentTypeError(f"expected a number of days from 1 to 366, got {raw!r}")
    return int(raw)


def _workers(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 64:
        raise argparse.ArgumentTypeError(f"expected a number of workers from 1 to 64, got {raw!r}")
    return int(raw)


def _version() -> str:
    try:
        return metadata.version("liverbot")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m bot`` and the ``liverbot`` script."""
    from bot.logs import install_excepthook

    install_excepthook()  # an uncaught error never prints a token (cmd_run adds the secrets)
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument("--version", action="version", version=f"liverbot {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (polling, or webhook if BOT_WEBHOOK_URL is set)")
    run.add_argument("--workers", type=_workers, default=1,
                     help="webhook worker processes sharing BOT_PORT (needs BOT_DATABASE_URL "
                          "and BOT_REDIS_URL when more than 1)")
    run.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    check = sub.add_parser("check", help="validate and render all content")
    check.add_argument("--content", metavar="DIR", help="content folder (default: content/en)")
    console = sub.add_parser("console", help="chat with the bot in this terminal (no token)")
    console.add_argument("--admin", action="store_true",
                         help="make the console user an admin (e.g. to try /stats)")
    console.add_argument("--lang", metavar="LANG", type=_language,
                         help="chat in this language too, as an app set to it would (ru, zh-Hans)")
    sub.add_parser("catalogs", help="update the gettext catalogs in locale/ from the templates")
    sub.add_parser("fonts", help="subset the Chinese font to the labels' characters "
                                 "(needs fonts-noto-cjk)")
    sub.add_parser("frequencies", help="write content/en/word_frequency.tsv from wordfreq "
                                       "(pip install wordfreq==3.1.1)")
    hashing = sub.add_parser("translation-hash",
                             help="print the from_hash of an English content file")
    hashing.add_argument("file", metavar="FILE", help="e.g. content/en/breast.md")
    preview = sub.add_parser("preview", help="write a static HTML preview of every page")
    preview.add_argument("out_dir", metavar="OUT_DIR", help="folder to write the site into")
    stats = sub.add_parser("stats", help="print anonymous usage figures from the database file")
    stats.add_argument("--days", type=_days, default=7, help="period in days (default 7)")
    stats.add_argument("--csv", action="store_true", help="print CSV: metric,key,value")
    stats.add_argument("--db", type=Path, help="database file (default: BOT_DB_PATH)")
    args = parser.parse_args(argv)
    # Opt in to python-telegram-bot's timedelta durations now, instead of a deprecation warning
    # on the first flood-control answer (RetryAfter.retry_after) in production.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    handlers = {"run": cmd_run, "check": cmd_check, "console": cmd_console,
                "preview": cmd_preview, "stats": cmd_stats, "catalogs": cmd_catalogs,
                "fonts": cmd_fonts, "frequencies": cmd_frequencies,
                "translation-hash": cmd_translation_hash}
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
