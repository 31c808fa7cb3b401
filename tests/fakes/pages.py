"""Builds the pages of a small fake news web: articles with site chrome, feeds, sitemaps.

The wording is our own. Articles carry the clutter real sites have (menus, cookie
notices, share buttons, subscription pitches, related-article lists) so tests can check
that none of it reaches the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape


@dataclass(frozen=True)
class Story:
    path: str
    title: str
    paragraphs: Sequence[str]
    published: datetime = datetime(2024, 3, 4, 9, 30, tzinfo=UTC)


def article_page(
    story: Story, *, site: str = "The Daily Ledger", lang: str = "en", charset: str = "utf-8"
) -> str:
    body = "\n".join(f"      <p>{escape(p)}</p>" for p in story.paragraphs)
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
  <meta charset="{charset}">
  <title>{escape(story.title)} | {escape(site)}</title>
  <meta property="og:site_name" content="{escape(site)}">
  <meta property="article:published_time" content="{story.published.isoformat()}">
</head>
<body>
  <a class="skip" href="#main">Skip to main content</a>
  <div class="cookie-banner">We use cookies to improve your experience. Accept all cookies</div>
  <header><nav><ul>
    <li><a href="/">Home</a></li><li><a href="/world">World</a></li>
    <li><a href="/politics">Politics</a></li><li><a href="/opinion">Opinion</a></li>
  </ul></nav></header>
  <main id="main">
    <article>
      <h1>{escape(story.title)}</h1>
      <div class="share">Share this article: Facebook Twitter Email</div>
{body}
    </article>
    <aside class="pitch">
      <h3>Stay ahead of the story</h3>
      <p>Join thousands of readers who get our briefings first.</p>
      <p><a href="/subscribe">Subscribe</a></p>
      <p>Only $80 per year.</p>
    </aside>
    <section class="related"><h3>Related Articles</h3><ul>
      <li><a href="/world/other-1">Markets steady ahead of the holiday weekend</a></li>
      <li><a href="/world/other-2">Weather service warns of a cold snap</a></li>
    </ul></section>
  </main>
  <footer><p><a href="#top">Back to top</a></p>
  <p>© 2024 {escape(site)}. All rights reserved.</p></footer>
</body>
</html>
"""


def rss(items: Sequence[tuple[str, str, datetime | None]], *, title: str = "News") -> str:
    """items: (absolute link, title, published)."""
    entries = "\n".join(
        f"""  <item><title>{escape(t)}</title><link>{escape(link)}</link>"""
        + (f"<pubDate>{format_datetime(p)}</pubDate>" if p else "")
        + f"<guid>{escape(link)}</guid></item>"
        for link, t, p in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{escape(title)}</title><link>http://example.test/</link>
{entries}
</channel></rss>
"""


def atom(items: Sequence[tuple[str, str, datetime | None]], *, title: str = "News") -> str:
    entries = "\n".join(
        f"""  <entry><title>{escape(t)}</title><link rel="alternate" type="text/html" href="{escape(link)}"/>"""
        + (f"<published>{p.isoformat()}</published>" if p else "")
        + f"<id>{escape(link)}</id></entry>"
        for link, t, p in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>{escape(title)}</title>
{entries}
</feed>
"""


def news_sitemap(items: Sequence[tuple[str, str, datetime]]) -> str:
    entries = "\n".join(
        f"""  <url><loc>{escape(link)}</loc><news:news>
    <news:publication><news:name>Wire</news:name><news:language>en</news:language></news:publication>
    <news:publication_date>{p.isoformat()}</news:publication_date>
    <news:title>{escape(t)}</news:title></news:news></url>"""
        for link, t, p in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{entries}
</urlset>
"""


def sitemap_index(children: Sequence[tuple[str, datetime]]) -> str:
    entries = "\n".join(
        f"  <sitemap><loc>{escape(loc)}</loc><lastmod>{m.isoformat()}</lastmod></sitemap>"
        for loc, m in children
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{entries}
</sitemapindex>
"""


def listing_page(links: Sequence[tuple[str, str]]) -> str:
    anchors = "\n".join(f'    <li><a href="{escape(h)}">{escape(t)}</a></li>' for h, t in links)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Press releases</title></head>
<body><nav><a href="/">Home</a> <a href="/about">About the ministry</a></nav>
  <ul class="press">
{anchors}
  </ul>
  <footer><a href="/contacts">Contacts</a></footer>
</body></html>
"""
