"""The `mediamon` command line: a thin layer that parses options, calls the library, prints.

Expected failures (a bad config, an unreachable database, a crawl already running) become
one line on stderr and an exit status; heavy libraries are imported only by the commands
that need them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

from mediamon import __version__
from mediamon.config import Config, default_config_path, load_config, summarize
from mediamon.errors import ExtractionError, MediamonError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _date(value: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in the form YYYY-MM-DD: {value!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mediamon",
        description="Watch two governments' accounts of their contacts, and the press around them.",
    )
    parser.add_argument("--version", action="version", version=f"mediamon {__version__}")
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="config file (default: $MEDIAMON_CONFIG, else ./config.yaml)",
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )

    crawl = commands.add_parser(
        "crawl", help="crawl every enabled source once and store new articles"
    )
    crawl.add_argument("-v", "--verbose", action="store_true", help="show Scrapy's own log too")
    crawl.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="NAME",
        help="crawl only this source (repeatable; disabled sources too), e.g. to try a new one",
    )
    crawl.set_defaults(run=cmd_crawl)

    articles = commands.add_parser("articles", help="list stored articles, newest first")
    articles.add_argument("--json", action="store_true", help="print a JSON array")
    articles.add_argument(
        "--since", type=_date, metavar="YYYY-MM-DD", help="only articles from this day on"
    )
    articles.add_argument(
        "--relevant",
        action="store_true",
        help="only articles that report a contact between the two sides",
    )
    articles.add_argument("--limit", type=int, metavar="N", help="at most N articles")
    articles.set_defaults(run=cmd_articles)

    events = commands.add_parser("events", help="list detected contact events, newest first")
    events.add_argument("--json", action="store_true", help="print a JSON array")
    events.add_argument(
        "--since", type=_date, metavar="YYYY-MM-DD", help="only events from this day on"
    )
    events.add_argument(
        "--diverging", action="store_true", help="only events where the two sides' accounts differ"
    )
    events.set_defaults(run=cmd_events)

    analyze = commands.add_parser("analyze", help="analyse stored articles not analysed yet")
    analyze.add_argument(
        "--all", action="store_true", help="forget earlier results and analyse every article again"
    )
    analyze.set_defaults(run=cmd_analyze)

    sources = commands.add_parser("sources", help="list the sources and their health")
    sources.add_argument("--json", action="store_true", help="print a JSON array")
    sources.set_defaults(run=cmd_sources)

    extract = commands.add_parser(
        "extract", help="print the clean text of saved HTML files or URLs"
    )
    extract.add_argument("inputs", nargs="+", metavar="PATH_OR_URL")
    extract.add_argument("--json", action="store_true", help="one JSON object per line")
    extract.set_defaults(run=cmd_extract)

    bot = commands.add_parser("bot", help="run the Telegram bot (long polling) until stopped")
    bot.set_defaults(run=cmd_bot)

    run = commands.add_parser("run", help="the bot plus the built-in scheduler (crawls, digests)")
    run.set_defaults(run=cmd_run)

    digest = commands.add_parser("digest", help="queue (or send) every subscriber's digest now")
    digest.add_argument("--now", action="store_true", required=True, help="now, not on schedule")
    digest.add_argument(
        "--send", action="store_true", help="deliver at once instead of leaving it to the bot"
    )
    digest.set_defaults(run=cmd_digest)

    demo = commands.add_parser("demo", help="an offline end-to-end run on a bundled sample web")
    demo.add_argument(
        "--send-to",
        type=int,
        metavar="CHAT_ID",
        help="also send the digest to this chat (needs TELEGRAM_BOT_TOKEN)",
    )
    demo.set_defaults(run=cmd_demo)

    check = commands.add_parser("check-config", help="validate the config and summarise it")
    check.set_defaults(run=cmd_check_config)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except MediamonError as exc:
        print(f"mediamon: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("mediamon: interrupted", file=sys.stderr)
        return 130


# -- commands ------------------------------------------------------------------------------


def _config(args: argparse.Namespace) -> Config:
    return load_config(args.config or default_config_path())


def _open_store(config: Config) -> Any:
    from mediamon.store import Store

    return Store.open(config.database_url())


def cmd_bot(args: argparse.Namespace) -> int:
    import logging

    from bot.app import bot_token, run_bot

    config = _config(args)
    bot_token()  # one clear line before anything starts when the token is missing
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    with _open_store(config) as store:
        run_bot(config, store)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    import logging
    import os

    from bot.app import run_bot, run_scheduler_only

    config = _config(args)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    with _open_store(config) as store:
        if os.environ.get("TELEGRAM_BOT_TOKEN", "").strip():
            run_bot(config, store, scheduler=True)
        else:
            print(
                "mediamon: no TELEGRAM_BOT_TOKEN: crawling on schedule "
                f"({config.schedule.crawl}) and printing each message it would send",
                file=sys.stderr,
            )
            run_scheduler_only(config, store)
    return 0


def cmd_digest(args: argparse.Namespace) -> int:
    from bot.digest import queue_digests
    from mediamon.analysis.divergence import Comparer
    from mediamon.store import utcnow

    config = _config(args)
    with _open_store(config) as store:
        now = utcnow()
        subscribers = [s for s in store.subscribers(receiving=True) if s.settings.digest != "off"]
        queued = queue_digests(
            store, config, Comparer(config), now, subscribers, period=f"now-{now:%Y%m%dT%H%M%S}"
        )
        line = (
            f"digest: {queued} message{'s' * (queued != 1)} queued "
            f"for {len(subscribers)} subscribers"
        )
        if args.send:
            from bot.delivery import send_now

            line += f", {send_now(config, store)} sent"
        else:
            line += "; the running bot delivers them"
    print(line)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from mediamon.demo.run import run_demo

    print(run_demo(_config(args), send_to=args.send_to))
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    config = _config(args)
    print("\n".join(summarize(config)))
    print("config is valid")
    return 0


def cmd_crawl(args: argparse.Namespace) -> int:
    config = _config(args)
    from crawler.run import run_crawl
    from mediamon.analysis import analyze_pending

    only = config.select_sources(args.source) if args.source else ()
    with _open_store(config) as store, store.crawl_lock():
        summary = run_crawl(config, store, only=[s.name for s in only], verbose=args.verbose)
        analysis = analyze_pending(store, config)
        from bot.digest import queue_alerts
        from mediamon.analysis.divergence import Comparer
        from mediamon.store import utcnow

        alerts = queue_alerts(store, config, Comparer(config), utcnow())
    events = analysis.new_events
    print(
        f"crawl: {summary.line}"
        + (f"; {events} new contact event{'s' * (events != 1)}" if events else "")
        + (f"; {alerts} alert{'s' * (alerts != 1)} queued" if alerts else "")
    )
    return 0


def cmd_articles(args: argparse.Namespace) -> int:
    config = _config(args)
    with _open_store(config) as store:
        found = store.articles(since=args.since, limit=args.limit, relevant=args.relevant)
    if args.json:
        print(json.dumps([_article_json(a) for a in found], ensure_ascii=False, indent=2))
        return 0
    for article in found:
        when = _day(article.published or article.first_seen)
        print(f"{when}  {article.source:<24.24}  {article.title or '(no title)'}")
        print(f"            {article.url}")
    print(f"{len(found)} article{'s' * (len(found) != 1)}", file=sys.stderr)
    return 0


def _article_json(article: Any) -> dict[str, Any]:
    return {
        "url": article.url,
        "source": article.source,
        "title": article.title,
        "published": article.published.isoformat() if article.published else None,
        "language": article.language,
        "text": article.text,
        "relevant": bool(article.relevant),
        "side": article.side,
        "official": article.official,
        "event": article.event,
        "first_seen": article.first_seen.isoformat(),
        "versions": article.versions,
        "duplicate_of": article.duplicate_of,
    }


def cmd_events(args: argparse.Namespace) -> int:
    from mediamon.analysis.divergence import Comparer
    from mediamon.analysis.present import event_json, event_line

    config = _config(args)
    with _open_store(config) as store:
        found = store.events(since=args.since.date() if args.since else None)
    comparer = Comparer(config)
    shown = [(event, event_json(event, config, comparer)) for event in found]
    if args.diverging:
        shown = [(event, data) for event, data in shown if data["divergence"]["diverging"]]
    if args.json:
        print(json.dumps([data for _, data in shown], ensure_ascii=False, indent=2))
        return 0
    for event, _ in shown:
        print(event_line(event, config))
    print(f"{len(shown)} event{'s' * (len(shown) != 1)}", file=sys.stderr)
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from mediamon.analysis import analyze_pending

    config = _config(args)
    with _open_store(config) as store:
        if args.all:
            store.reset_analysis()
        summary = analyze_pending(store, config)
    print(
        f"analyze: {summary.analyzed} articles read, {summary.relevant} report a contact; "
        f"{summary.new_events} new events, {summary.updated_events} updates"
    )
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    config = _config(args)
    with _open_store(config) as store:
        store.sync_sources(config.sources)
        health = store.source_health()
    configured = {source.name: source for source in config.sources}
    health = [h for h in health if h.name in configured]
    if args.json:
        print(
            json.dumps(
                [_health_json(h, configured[h.name].enabled) for h in health],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    for h in health:
        state = _state(h, configured[h.name].enabled)
        print(f"{state:<8} {h.name}  [{h.kind}] {h.url}")
        print(
            f"         last success: {_stamp(h.last_success)}; articles: {h.articles}; "
            f"consecutive failures: {h.consecutive_failures}"
        )
        if h.last_error:
            print(f"         last error ({_stamp(h.last_error_at)}): {h.last_error}")
    failing = sum(1 for h in health if h.consecutive_failures)
    print(f"{len(health)} sources, {failing} failing", file=sys.stderr)
    return 0


def _state(h: Any, enabled: bool) -> str:
    if not enabled:
        return "disabled"
    if h.last_attempt is None:
        return "new"
    return "failing" if h.consecutive_failures else "ok"


def _health_json(h: Any, enabled: bool) -> dict[str, Any]:
    return {
        "name": h.name,
        "kind": h.kind,
        "url": h.url,
        "state": _state(h, enabled),
        "last_success": h.last_success.isoformat() if h.last_success else None,
        "last_error": h.last_error,
        "last_error_at": h.last_error_at.isoformat() if h.last_error_at else None,
        "consecutive_failures": h.consecutive_failures,
        "articles": h.articles,
    }


def cmd_extract(args: argparse.Namespace) -> int:
    from crawler.extraction import extract_article
    from mediamon.fetch import read_input

    failures = 0
    for name in args.inputs:
        try:
            html, url = read_input(name)
        except ExtractionError as exc:
            print(f"mediamon: {exc}", file=sys.stderr)
            failures += 1
            continue
        article = extract_article(html, url)
        if args.json:
            print(
                json.dumps(
                    {
                        "input": name,
                        "title": article.title if article else None,
                        "published": article.published.isoformat()
                        if article and article.published
                        else None,
                        "language": article.language if article else None,
                        "text": article.text if article else "",
                    },
                    ensure_ascii=False,
                )
            )
        else:
            if len(args.inputs) > 1:
                print(f"==> {name} <==")
            if article is None:
                print("(no article text found)")
            else:
                if article.title:
                    print(article.title, end="\n\n")
                print(article.text)
            if len(args.inputs) > 1:
                print()
    print(
        f"{len(args.inputs)} input{'s' * (len(args.inputs) != 1)}, {failures} unreadable",
        file=sys.stderr,
    )
    return 1 if failures else 0


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def _stamp(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"
