"""Runs the demo: serve the sample web, crawl it with the real command, show the result."""

from __future__ import annotations

import html
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TextIO

import yaml

from mediamon.config import Config
from mediamon.demo.site import SampleWeb
from mediamon.errors import MediamonError

_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    return html.unescape(_TAG.sub("", text))


def run_demo(config: Config, out: TextIO = sys.stdout, send_to: int | None = None) -> str:
    """The whole demonstration; returns its one-line summary."""
    from bot.digest import queue_digests
    from bot.messages import event_view
    from mediamon.analysis.divergence import Comparer
    from mediamon.store import Store, utcnow

    own = yaml.safe_load(config.path.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp, SampleWeb() as web:
        folder = Path(tmp)
        demo_config = {
            "storage": {"url": f"sqlite:///{folder / 'demo.db'}"},
            "telegram": own.get("telegram", {}),
            "crawl": {"max_age_days": None, "user_agent": "mediamon-demo"},
            "sides": own["sides"],
            "analysis": own.get("analysis", {}),
            "topics": own.get("topics", {}),
            "sources": web.sources(),
        }
        (folder / "config.yaml").write_text(yaml.safe_dump(demo_config, allow_unicode=True))
        print(
            f"== serving a sample web of {len(web.pages)} pages on {web.base} "
            f"({len(web.feeds)} feeds); crawling it",
            file=out,
            flush=True,
        )
        crawl = subprocess.run(
            [sys.executable, "-m", "mediamon", "--config", str(folder / "config.yaml"), "crawl"],
            capture_output=True,
            text=True,
            check=False,
        )
        if crawl.returncode != 0:
            raise MediamonError(f"the demo crawl failed: {crawl.stderr.strip()[-300:]}")
        print(crawl.stdout.strip(), file=out)

        demo = Config.model_validate({**demo_config, "path": folder / "config.yaml"})
        comparer = Comparer(demo)
        with Store.open(demo.database_url()) as store:
            events = store.events()
            verdicts = {event.id: comparer.compare(event) for event in events}
            print("\n== contact events", file=out)
            for event in events:
                mark = "DIVERGING" if verdicts[event.id].diverging else "agree"
                people = ", ".join(n for s in demo.sides for n in event.participants.get(s, []))
                print(f"{event.date}  {event.kind:<7} {people}  [{mark}]  {event.id}", file=out)
            diverging = next((e for e in events if verdicts[e.id].diverging), None)
            if diverging is not None:
                print("\n== side by side: " + diverging.id, file=out)
                print(plain(event_view(diverging, verdicts[diverging.id], demo)), file=out)
            store.subscribe(send_to or 1, "private", "demo reader", utcnow())
            queue_digests(store, demo, comparer, utcnow())
            print("\n== the digest a subscriber receives", file=out)
            for item in store.due(utcnow()):
                print(plain(item.text), file=out)
            if send_to is not None:
                from bot.delivery import send_now

                print(f"\n(sent to chat {send_to}: {send_now(demo, store)} messages)", file=out)
        relevant = sum(1 for v in verdicts.values() if v.diverging)
        return (
            f"demo: {len(web.pages) - len(web.feeds)} pages crawled, {len(events)} contact "
            f"events, {relevant} diverging"
        )
