"""Serves the bundled sample web on loopback: article pages with real-looking chrome (menus,
cookie banner, a subscription pitch, related links) and one RSS feed per outlet."""

from __future__ import annotations

import http.server
import threading
from datetime import datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent


def _page(title: str, paragraphs: list[str], site: str, lang: str, published: datetime) -> str:
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">
<title>{escape(title)} | {escape(site)}</title>
<meta property="og:site_name" content="{escape(site)}">
<meta property="article:published_time" content="{published.isoformat()}"></head>
<body><a href="#main">Skip to main content</a>
<div class="cookies">We use cookies to improve your experience. Accept all cookies</div>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/opinion">Opinion</a></nav>
<main id="main"><article><h1>{escape(title)}</h1>{body}</article>
<aside><h3>The analysis you can trust</h3>
<p>Join our community of readers for unlimited access to reporting and newsletters.</p>
<p><a href="/subscribe">Subscribe</a></p><p>Only $90 per year.</p></aside>
<section><h3>Related Articles</h3><a href="/other">Markets close higher</a></section></main>
<footer><a href="#top">Back to top</a> © 2024 {escape(site)}. All rights reserved.</footer>
</body></html>"""


def _feed(items: list[tuple[str, str, datetime]], title: str) -> str:
    entries = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(u)}</link>"
        f"<pubDate>{format_datetime(p)}</pubDate></item>"
        for u, t, p in items
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title>{entries}</channel></rss>"
    )


class SampleWeb:
    """The sample pages on 127.0.0.1, and the config sources that point at them."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, str]] = {}
        outlets = yaml.safe_load((HERE / "outlets.yaml").read_text(encoding="utf-8"))
        self.outlets = outlets
        handler = self._handler()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        feeds: dict[str, list[tuple[str, str, datetime]]] = {}
        for path in sorted(HERE.glob("*-*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            for index, article in enumerate(data["articles"]):
                outlet = outlets[article["outlet"]]
                published = article["published"]
                if isinstance(published, str):
                    published = datetime.fromisoformat(published)
                url_path = f"/{article['outlet']}/{path.stem}-{index}"
                self.pages[url_path] = (
                    "text/html; charset=utf-8",
                    _page(
                        article["title"],
                        article["paragraphs"],
                        outlet["name"],
                        outlet["language"],
                        published,
                    ),
                )
                feeds.setdefault(article["outlet"], []).append(
                    (self.base + url_path, article["title"], published)
                )
        for key, items in feeds.items():
            self.pages[f"/{key}/feed.xml"] = (
                "application/rss+xml",
                _feed(items, outlets[key]["name"]),
            )
        self.feeds = sorted(feeds)

    def sources(self) -> list[dict[str, Any]]:
        out = []
        for key in self.feeds:
            outlet = self.outlets[key]
            source: dict[str, Any] = {
                "name": outlet["name"],
                "feed": f"{self.base}/{key}/feed.xml",
                "language": outlet["language"],
            }
            if outlet.get("side"):
                source.update(side=outlet["side"], official=bool(outlet.get("official")))
            out.append(source)
        return out

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        pages = self.pages

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                found = pages.get(self.path)
                if found is None:
                    self.send_error(404)
                    return
                content_type, text = found
                body = text.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def __enter__(self) -> SampleWeb:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
