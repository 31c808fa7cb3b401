"""The index readers: feeds, sitemaps, listing pages and JSON APIs, fed bodies written here."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.indexes import IndexResult, MalformedIndex, reader_for
from crawler.indexes.feed import read_feed
from crawler.indexes.json_api import fill, lookup, read_json
from crawler.indexes.listing import read_listing
from crawler.indexes.sitemap import read_sitemap
from crawler.items import Link
from mediamon.config import JsonFields, Source

FEED_URL = "http://example.test/news/feed.xml"
FEED = Source(name="Feed", feed=FEED_URL)
SITEMAP_URL = "http://example.test/sitemaps/news.xml"
SITEMAP = Source(name="Sitemap", sitemap=SITEMAP_URL)
LISTING_URL = "http://example.test/press/"
LISTING = Source(name="Listing", listing=LISTING_URL, follow=r"/press/\d+$")
API_URL = "http://example.test/api/releases?page=1"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def urls(result: IndexResult) -> list[str]:
    return [link.url for link in result.links]


def by_url(result: IndexResult) -> dict[str, Link]:
    return {link.url: link for link in result.links}


# -- feeds -------------------------------------------------------------------------------------

RSS2 = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>Ministry of Lighthouses</title>
    <link>http://example.test/</link>
    <atom:link href="http://example.test/news/feed.xml" rel="self" type="application/rss+xml"/>
    <item>
      <title>Keeper talks resume in the northern harbour</title>
      <link>http://EXAMPLE.test:80/news/keeper-talks?utm_source=rss&amp;utm_medium=feed#top</link>
      <pubDate>Sun, 10 Dec 2023 14:30:00 +0300</pubDate>
    </item>
    <item>
      <title>Fog signal budget approved</title>
      <link>../articles/fog-signal</link>
      <pubDate>Mon, 11 Dec 2023 09:00:00 GMT</pubDate>
    </item>
    <item>
      <title>Lamp oil shipment delayed</title>
      <guid isPermaLink="true">http://example.test/news/lamp-oil</guid>
    </item>
    <item>
      <title>Guid that is only an identifier</title>
      <guid isPermaLink="false">http://example.test/news/not-a-page</guid>
    </item>
    <item>
      <title>Guid that is a tag URI</title>
      <guid>tag:example.test,2023:item-77</guid>
    </item>
  </channel>
</rss>
"""


def test_rss2_links_titles_and_dates() -> None:
    result = read_feed(RSS2, FEED_URL, FEED)

    assert result.problem is None
    assert urls(result) == [
        "http://example.test/news/keeper-talks",  # tracking, fragment, port, case dropped
        "http://example.test/articles/fog-signal",  # resolved against the feed URL
        "http://example.test/news/lamp-oil",  # permalink guid when there is no <link>
    ]
    links = result.links
    assert links[0].title == "Keeper talks resume in the northern harbour"
    assert links[0].published == utc(2023, 12, 10, 11, 30)
    assert links[0].published is not None and links[0].published.tzinfo is not None
    assert links[1].published == utc(2023, 12, 11, 9, 0)
    assert links[2].title == "Lamp oil shipment delayed"
    assert links[2].published is None


def test_rss2_channel_self_link_is_not_an_article() -> None:
    result = read_feed(RSS2, FEED_URL, FEED)
    assert "http://example.test/news/feed.xml" not in urls(result)
    assert "http://example.test/" not in urls(result)


RSS1 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="http://example.test/">
    <title>Observatory bulletin</title>
    <link>http://example.test/</link>
    <items>
      <rdf:Seq>
        <rdf:li resource="http://example.test/bulletin/comet"/>
        <rdf:li resource="http://example.test/bulletin/eclipse"/>
      </rdf:Seq>
    </items>
  </channel>
  <item rdf:about="http://example.test/bulletin/comet">
    <title>Comet sighted over the plateau</title>
    <link>http://example.test/bulletin/comet</link>
    <dc:date>2023-12-10T22:15:00+02:00</dc:date>
  </item>
  <item rdf:about="http://example.test/bulletin/eclipse">
    <title>Eclipse viewing guidance issued</title>
    <link>/bulletin/eclipse</link>
    <dc:date>2023-12-09</dc:date>
  </item>
</rdf:RDF>
"""


def test_rss1_rdf_items() -> None:
    result = read_feed(RSS1, "http://example.test/bulletin.rdf", FEED)

    assert result.problem is None
    assert urls(result) == [
        "http://example.test/bulletin/comet",
        "http://example.test/bulletin/eclipse",
    ]
    comet, eclipse = result.links
    assert comet.title == "Comet sighted over the plateau"
    assert comet.published == utc(2023, 12, 10, 20, 15)
    assert eclipse.title == "Eclipse viewing guidance issued"
    assert eclipse.published == utc(2023, 12, 9)


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Harbour authority</title>
  <link rel="self" href="http://example.test/atom.xml"/>
  <updated>2023-12-12T08:00:00Z</updated>
  <entry>
    <title>Dredging contract signed</title>
    <link rel="edit" href="/edit/dredging"/>
    <link rel="alternate" type="application/pdf" href="/files/dredging.pdf"/>
    <link rel="alternate" type="text/html" href="/news/dredging?fbclid=abc"/>
    <id>urn:uuid:5b0c1a4e-0000-4000-8000-000000000001</id>
    <published>2023-12-10T10:00:00+03:00</published>
    <updated>2023-12-11T10:00:00+03:00</updated>
  </entry>
  <entry>
    <title>Pier closed for repairs</title>
    <link href="news/pier"/>
    <id>urn:uuid:5b0c1a4e-0000-4000-8000-000000000002</id>
    <updated>2023-12-12T07:45:00Z</updated>
  </entry>
  <entry>
    <title>Only a PDF</title>
    <link rel="alternate" type="application/pdf" href="/files/tide-tables.pdf"/>
    <id>urn:uuid:5b0c1a4e-0000-4000-8000-000000000003</id>
  </entry>
  <entry>
    <title>Nothing to follow</title>
    <link rel="related" href="/elsewhere"/>
    <id>urn:uuid:5b0c1a4e-0000-4000-8000-000000000004</id>
  </entry>
</feed>
"""


def test_atom_entries() -> None:
    result = read_feed(ATOM, "http://example.test/atom.xml", FEED)

    assert result.problem is None
    assert urls(result) == [
        "http://example.test/news/dredging",  # the HTML alternate, not the edit or PDF link
        "http://example.test/news/pier",  # a link without rel is the alternate
        "http://example.test/files/tide-tables.pdf",  # an alternate of another type, if that is all
    ]
    dredging, pier, _ = result.links
    assert dredging.title == "Dredging contract signed"
    assert dredging.published == utc(2023, 12, 10, 7, 0)  # published wins over updated
    assert pier.published == utc(2023, 12, 12, 7, 45)  # updated when there is no published


def test_gzip_feed_is_unpacked() -> None:
    assert urls(read_feed(gzip.compress(RSS2), FEED_URL, FEED)) == urls(
        read_feed(RSS2, FEED_URL, FEED)
    )


def test_gzip_cut_off_mid_download_is_malformed() -> None:
    with pytest.raises(MalformedIndex, match="gzip"):
        read_feed(gzip.compress(RSS2)[:40], FEED_URL, FEED)


def test_corrupt_gzip_is_malformed() -> None:
    packed = bytearray(gzip.compress(RSS2))
    packed[12:20] = b"\xff" * 8
    with pytest.raises(MalformedIndex, match="gzip"):
        read_feed(bytes(packed), FEED_URL, FEED)


def test_malformed_feed_is_read_leniently_with_a_problem() -> None:
    body = b"""<?xml version="1.0"?>
<rss version="2.0"><channel>
  <item><title>Ferry timetable & fares change</title><link>http://example.test/n/ferry</link></item>
  <item><title>Second item still read</title><link>http://example.test/n/second</link></item>
</channel></rss>"""

    result = read_feed(body, FEED_URL, FEED)

    assert result.problem is not None
    assert "not well-formed" in result.problem
    assert urls(result) == ["http://example.test/n/ferry", "http://example.test/n/second"]


def test_unclosed_feed_is_read_leniently() -> None:
    body = b"""<rss version="2.0"><channel>
  <item><title>Cut off mid-download</title><link>http://example.test/n/cut</link></item>
  <item><title>Never fin"""

    result = read_feed(body, FEED_URL, FEED)

    assert result.problem is not None
    assert urls(result) == ["http://example.test/n/cut"]


@pytest.mark.parametrize(
    "body", [b"", b"   \n ", b"this is not xml at all", b"\x00\x01\x02", b"<!-- only a comment -->"]
)
def test_unreadable_feed_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedIndex):
        read_feed(body, FEED_URL, FEED)


def test_html_page_is_not_a_feed() -> None:
    body = b"<html><head><title>Moved</title></head><body><p>Our feed has moved.</p></body></html>"
    with pytest.raises(MalformedIndex, match=r"<html>"):
        read_feed(body, FEED_URL, FEED)


def test_sitemap_is_not_a_feed() -> None:
    body = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>'
    with pytest.raises(MalformedIndex, match="urlset"):
        read_feed(body, FEED_URL, FEED)


def test_empty_feed_has_no_links_and_no_problem() -> None:
    body = b'<rss version="2.0"><channel><title>Quiet week</title></channel></rss>'
    assert read_feed(body, FEED_URL, FEED) == IndexResult()


def test_leading_whitespace_before_declaration_is_accepted() -> None:
    body = b"\n\n  " + RSS2
    assert len(read_feed(body, FEED_URL, FEED).links) == 3


def test_feed_in_legacy_encoding() -> None:
    body = (
        '<?xml version="1.0" encoding="windows-1251"?>'
        '<rss version="2.0"><channel><item><title>Переговоры о маяке</title>'
        "<link>http://example.test/новости/маяк</link></item></channel></rss>"
    ).encode("windows-1251")

    (link,) = read_feed(body, FEED_URL, FEED).links

    assert link.title == "Переговоры о маяке"
    assert (
        link.url
        == "http://example.test/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/%D0%BC%D0%B0%D1%8F%D0%BA"
    )


def _secret_file(tmp_path: Path) -> Path:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-KEEPER-PASSWORD\n", encoding="utf-8")
    return secret


def _everything_said(result: IndexResult) -> str:
    return " ".join(f"{link.url} {link.title} {link.published}" for link in result.links) + str(
        result.problem
    )


def test_external_entity_is_not_resolved(tmp_path: Path) -> None:
    secret = _secret_file(tmp_path)
    body = f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY leak SYSTEM "{secret.as_uri()}">]>
<rss version="2.0"><channel>
  <item><title>Harbour news &leak;</title><link>http://example.test/n/1</link></item>
  <item><title>&leak;</title><link>http://example.test/n/&leak;</link></item>
</channel></rss>""".encode()

    result = read_feed(body, FEED_URL, FEED)

    assert "TOP-SECRET" not in _everything_said(result)
    assert result.links[0].title == "Harbour news"


def test_external_entity_is_not_resolved_on_the_lenient_path(tmp_path: Path) -> None:
    secret = _secret_file(tmp_path)
    body = f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY leak SYSTEM "{secret.as_uri()}">]>
<rss version="2.0"><channel>
  <item><title>&leak; & friends</title><link>http://example.test/n/1</link></item>
</channel></rss>""".encode()

    result = read_feed(body, FEED_URL, FEED)

    assert result.problem is not None  # the bare & forced the lenient parse
    assert len(result.links) == 1
    assert "TOP-SECRET" not in _everything_said(result)


def test_external_dtd_is_not_loaded(tmp_path: Path) -> None:
    secret = _secret_file(tmp_path)
    dtd = tmp_path / "evil.dtd"
    dtd.write_text(
        f'<!ENTITY leak SYSTEM "{secret.as_uri()}">\n<!ENTITY marker "DTD-WAS-LOADED">\n',
        encoding="utf-8",
    )
    for doctype in (
        f'<!DOCTYPE rss SYSTEM "{dtd.as_uri()}">',
        f'<!DOCTYPE rss [<!ENTITY % ext SYSTEM "{dtd.as_uri()}"> %ext;]>',
    ):
        body = f"""<?xml version="1.0"?>{doctype}
<rss version="2.0"><channel>
  <item><title>&marker; &leak;</title><link>http://example.test/n/1</link></item>
</channel></rss>""".encode()

        said = _everything_said(read_feed(body, FEED_URL, FEED))

        assert "TOP-SECRET" not in said
        assert "DTD-WAS-LOADED" not in said


def test_etc_passwd_does_not_leak() -> None:
    body = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY pw SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel>
  <item><title>Users: &pw;</title><link>http://example.test/n/1</link></item>
</channel></rss>"""

    result = read_feed(body, FEED_URL, FEED)

    assert "root:" not in _everything_said(result)


def test_entity_expansion_bomb_is_not_expanded() -> None:
    body = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY a "haha">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<rss version="2.0"><channel>
  <item><title>&d;</title><link>http://example.test/n/1</link></item>
</channel></rss>"""

    (link,) = read_feed(body, FEED_URL, FEED).links

    assert "haha" not in (link.title or "")


def test_one_unreadable_link_does_not_lose_the_feed() -> None:
    body = b"""<rss version="2.0"><channel>
  <item><title>Broken port</title><link>http://example.test:99999/n/port</link></item>
  <item><title>Broken host</title><link>http://[example.test/n/host</link></item>
  <item><title>Good one</title><link>http://example.test/n/good</link></item>
</channel></rss>"""

    result = read_feed(body, FEED_URL, FEED)

    assert urls(result) == ["http://example.test/n/good"]


def test_far_out_date_does_not_lose_the_feed() -> None:
    body = b"""<rss version="2.0"><channel>
  <item><title>Typo year</title><link>http://example.test/n/typo</link>
        <pubDate>Fri, 31 Dec 9999 23:00:00 -0500</pubDate></item>
  <item><title>Fine</title><link>http://example.test/n/fine</link>
        <pubDate>Fri, 15 Dec 2023 12:00:00 +0000</pubDate></item>
</channel></rss>"""

    typo, fine = read_feed(body, FEED_URL, FEED).links

    assert typo.published is None
    assert fine.published == utc(2023, 12, 15, 12)


# -- sitemaps ----------------------------------------------------------------------------------

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc>http://example.test/world/bridge-summit?utm_campaign=sitemap</loc>
    <lastmod>2023-12-14T00:00:00Z</lastmod>
    <news:news>
      <news:publication>
        <news:name>Example Gazette</news:name>
        <news:language>en</news:language>
      </news:publication>
      <news:publication_date>2023-12-13T18:20:00+02:00</news:publication_date>
      <news:title>Bridge summit ends without a statement</news:title>
    </news:news>
    <image:image><image:loc>http://example.test/img/bridge.jpg</image:loc></image:image>
  </url>
  <url>
    <loc>/world/canal-vote</loc>
    <news:news>
      <news:publication_date>2023-12-12</news:publication_date>
      <news:title>Canal vote postponed</news:title>
    </news:news>
  </url>
  <url><lastmod>2023-12-01</lastmod></url>
</urlset>
"""


def test_google_news_sitemap() -> None:
    result = read_sitemap(NEWS_SITEMAP, SITEMAP_URL, SITEMAP)

    assert result.problem is None
    assert result.children == []
    assert urls(result) == [
        "http://example.test/world/bridge-summit",
        "http://example.test/world/canal-vote",
    ]
    summit, canal = result.links
    assert summit.title == "Bridge summit ends without a statement"
    assert summit.published == utc(2023, 12, 13, 16, 20)  # the news date, not lastmod
    assert canal.title == "Canal vote postponed"
    assert canal.published == utc(2023, 12, 12)


def test_plain_sitemap_uses_lastmod() -> None:
    body = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>http://example.test/statements/42</loc><lastmod>2023-12-05T09:30:00+01:00</lastmod></url>
  <url><loc>http://example.test/statements/43</loc></url>
</urlset>"""

    result = read_sitemap(body, SITEMAP_URL, SITEMAP)

    assert by_url(result) == {
        "http://example.test/statements/42": Link(
            url="http://example.test/statements/42", published=utc(2023, 12, 5, 8, 30)
        ),
        "http://example.test/statements/43": Link(url="http://example.test/statements/43"),
    }


def test_sitemap_index_gives_children() -> None:
    body = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>http://example.test/sitemaps/2023-12.xml</loc><lastmod>2023-12-14T06:00:00Z</lastmod></sitemap>
  <sitemap><loc>/sitemaps/2023-11.xml.gz</loc><lastmod>2023-11-30</lastmod></sitemap>
  <sitemap><loc>http://example.test/sitemaps/undated.xml</loc></sitemap>
  <sitemap><lastmod>2023-11-30</lastmod></sitemap>
</sitemapindex>"""

    result = read_sitemap(body, SITEMAP_URL, SITEMAP)

    assert result.links == []
    assert result.children == [
        Link(url="http://example.test/sitemaps/2023-12.xml", published=utc(2023, 12, 14, 6)),
        Link(url="http://example.test/sitemaps/2023-11.xml.gz", published=utc(2023, 11, 30)),
        Link(url="http://example.test/sitemaps/undated.xml"),
    ]


def test_gzip_sitemap() -> None:
    result = read_sitemap(gzip.compress(NEWS_SITEMAP), SITEMAP_URL, SITEMAP)
    assert len(result.links) == 2


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>Not found</body></html>",
        b'<rss version="2.0"><channel/></rss>',
    ],
)
def test_non_sitemap_root_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedIndex, match="not a sitemap"):
        read_sitemap(body, SITEMAP_URL, SITEMAP)


def test_truncated_sitemap_is_read_leniently() -> None:
    body = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>http://example.test/statements/1</loc></url>
  <url><loc>http://example.test/statem"""

    result = read_sitemap(body, SITEMAP_URL, SITEMAP)

    assert result.problem is not None
    assert "http://example.test/statements/1" in urls(result)


def test_sitemap_with_one_unreadable_loc_keeps_the_rest() -> None:
    body = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>http://example.test:0x50/statements/1</loc></url>
  <url><loc>http://example.test/statements/2</loc></url>
</urlset>"""

    assert urls(read_sitemap(body, SITEMAP_URL, SITEMAP)) == ["http://example.test/statements/2"]


# -- listing pages -----------------------------------------------------------------------------

LISTING_PAGE = b"""<!DOCTYPE html>
<html><head><title>Press releases</title></head>
<body>
  <nav><a href="/">Home</a> <a href="/press/">Press</a> <a href="/press/archive">Archive</a></nav>
  <ul>
    <li><a href="/press/101">  Minister visits the
        new   lighthouse </a></li>
    <li><a href="102">Statement on the <b>fishing quota</b></a></li>
    <li><a href="http://EXAMPLE.test/press/103">Joint communiqu\xc3\xa9 published</a></li>
    <li><a href="/press/101#comments">3 comments</a></li>
    <li><a href="/press/101">Minister visits the new lighthouse (again)</a></li>
    <li><a href="/press/104?utm_source=homepage">Tide warning lifted</a></li>
    <li><a href="/press/105/photos">Photo gallery</a></li>
    <li><a href="http://elsewhere.test/press/999">Someone else's release</a></li>
  </ul>
  <a href="mailto:press@example.test?subject=/press/1">Write to us</a>
  <a href="javascript:openPress('/press/2')">Open</a>
  <a href="tel:+100000000">Call</a>
  <a href="#top">Back to top</a>
  <a>No href</a>
</body></html>
"""


def test_listing_follows_only_matching_links() -> None:
    result = read_listing(LISTING_PAGE, LISTING_URL, LISTING)

    assert result.problem is None
    assert urls(result) == [
        "http://example.test/press/101",
        "http://example.test/press/102",  # relative to the listing page
        "http://example.test/press/103",
        "http://example.test/press/104",  # a campaign parameter does not hide an article
        "http://elsewhere.test/press/999",  # the regex decides, not the host
    ]


def test_listing_titles_are_anchor_text() -> None:
    links = by_url(read_listing(LISTING_PAGE, LISTING_URL, LISTING))

    assert links["http://example.test/press/101"].title == "Minister visits the new lighthouse"
    assert links["http://example.test/press/102"].title == "Statement on the fishing quota"
    assert links["http://example.test/press/103"].title == "Joint communiqué published"


def test_listing_ignores_mail_script_phone_and_fragment_links() -> None:
    source = Source(name="Everything", listing=LISTING_URL, follow=".")
    found = urls(read_listing(LISTING_PAGE, LISTING_URL, source))

    assert not [url for url in found if not url.startswith("http")]
    assert "http://example.test/press/2" not in found
    assert "http://example.test/press/1" not in found
    assert len(found) == len(set(found))


def test_listing_link_with_fragment_is_followed() -> None:
    body = b'<html><body><a href="/press/7#main">Quota statement</a></body></html>'

    assert read_listing(body, LISTING_URL, LISTING).links == [
        Link(url="http://example.test/press/7", title="Quota statement")
    ]


def test_listing_thumbnail_link_does_not_hide_the_headline() -> None:
    body = b"""<html><body>
  <div class="card">
    <a href="/press/55"><img src="/img/55.jpg" alt=""></a>
    <a href="/press/55">Coast guard exercise concludes</a>
  </div>
</body></html>"""

    assert read_listing(body, LISTING_URL, LISTING).links == [
        Link(url="http://example.test/press/55", title="Coast guard exercise concludes")
    ]


def test_listing_without_text_has_no_title() -> None:
    body = b'<html><body><a href="/press/56"><img src="/img/56.jpg"></a></body></html>'
    assert read_listing(body, LISTING_URL, LISTING).links == [
        Link(url="http://example.test/press/56", title=None)
    ]


def test_listing_with_cyrillic_links() -> None:
    source = Source(name="RU", listing="http://example.test/ru/", follow=r"/новости/\d+$")
    body = """<html><body>
  <a href="/ru/новости/5">Визит министра</a>
  <a href="/ru/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/5">Визит министра, снова</a>
</body></html>""".encode()

    (link,) = read_listing(body, "http://example.test/ru/", source).links

    assert link.url == "http://example.test/ru/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/5"
    assert link.title == "Визит министра"


def test_listing_encoding_comes_from_meta_charset() -> None:
    body = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
        '</head><body><a href="/press/9">Заявление министерства</a></body></html>'
    ).encode("windows-1251")

    (link,) = read_listing(body, LISTING_URL, LISTING).links

    assert link.title == "Заявление министерства"


def test_listing_without_charset_is_read_as_utf8() -> None:
    body = '<html><body><a href="/press/9">הודעה לעיתונות</a></body></html>'.encode()

    (link,) = read_listing(body, LISTING_URL, LISTING).links

    assert link.title == "הודעה לעיתונות"


@pytest.mark.parametrize("body", [b"", b"  \n\t "])
def test_empty_listing_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedIndex, match="empty"):
        read_listing(body, LISTING_URL, LISTING)


def test_listing_without_matching_links_is_empty() -> None:
    body = b'<html><body><p>No releases yet.</p><a href="/about">About</a></body></html>'
    assert read_listing(body, LISTING_URL, LISTING) == IndexResult()


def test_listing_with_one_unreadable_href_keeps_the_rest() -> None:
    body = b"""<html><body>
  <a href="http://example.test:port/press/8">Broken port</a>
  <a href="http://[example.test/press/9">Broken host</a>
  <a href="/press/10">Fine</a>
</body></html>"""

    assert urls(read_listing(body, LISTING_URL, LISTING)) == ["http://example.test/press/10"]


# -- JSON APIs ---------------------------------------------------------------------------------

API = Source(
    name="API",
    json="http://example.test/api/releases",
    fields=JsonFields(
        items="data.results",
        url="http://example.test/n/{UrlName}",
        title="Title",
        date="Date",
    ),
)


def api_body(items: Any) -> bytes:
    return json.dumps({"data": {"total": 3, "results": items}}).encode()


def test_json_items_path_and_url_template() -> None:
    body = api_body(
        [
            {
                "UrlName": "harbour-deal",
                "Title": " Harbour deal signed ",
                "Date": "2023-12-10T09:00:00Z",
            },
            {"UrlName": "quota", "Title": "Quota talks", "Date": "/Date(1702200000000)/"},
            {"UrlName": "лодки", "Title": "Лодки", "Date": "10.12.2023"},
        ]
    )

    result = read_json(body, API_URL, API)

    assert result.problem is None
    assert result.links == [
        Link(
            url="http://example.test/n/harbour-deal",
            title="Harbour deal signed",
            published=utc(2023, 12, 10, 9),
        ),
        Link(
            url="http://example.test/n/quota",
            title="Quota talks",
            published=datetime.fromtimestamp(1702200000, UTC),
        ),
        Link(
            url="http://example.test/n/%D0%BB%D0%BE%D0%B4%D0%BA%D0%B8",
            title="Лодки",
            published=utc(2023, 12, 10),
        ),
    ]


def test_json_dotted_paths_with_list_indexes_and_spaces() -> None:
    source = Source(
        name="Gov",
        json="http://example.test/api",
        fields=JsonFields(
            items="results",
            url="url",
            title="meta.headline.0",
            date="tags.metaData.Publish Date.0.title",
        ),
    )
    body = json.dumps(
        {
            "results": [
                {
                    "url": "/departments/news/ferry-2023",
                    "meta": {"headline": ["Ferry service extended", "secondary"]},
                    "tags": {"metaData": {"Publish Date": [{"title": "14.12.2023"}]}},
                },
                {
                    "url": "/departments/news/no-date",
                    "meta": {"headline": []},
                    "tags": {"metaData": {}},
                },
            ]
        }
    ).encode()

    first, second = read_json(body, "http://example.test/api?skip=0", source).links

    assert first == Link(
        url="http://example.test/departments/news/ferry-2023",  # relative to the API URL
        title="Ferry service extended",
        published=utc(2023, 12, 14),
    )
    assert second == Link(url="http://example.test/departments/news/no-date")


def test_json_items_missing_url_fields_are_skipped_and_counted() -> None:
    body = api_body(
        [
            {"UrlName": "kept", "Title": "Kept"},
            {"Title": "No slug"},
            {"UrlName": "", "Title": "Empty slug"},
            {"UrlName": None, "Title": "Null slug"},
            "not even an object",
        ]
    )

    result = read_json(body, API_URL, API)

    assert urls(result) == ["http://example.test/n/kept"]
    assert result.problem is not None
    assert result.problem.startswith("4 ")
    assert "UrlName" in result.problem


def test_json_item_without_http_url_is_skipped() -> None:
    source = Source(
        name="API",
        json="http://example.test/api",
        fields=JsonFields(url="link"),
    )
    body = json.dumps([{"link": "mailto:press@example.test"}, {"link": "/n/ok"}]).encode()

    result = read_json(body, "http://example.test/api", source)

    assert urls(result) == ["http://example.test/n/ok"]
    assert result.problem is not None and result.problem.startswith("1 ")


def test_json_top_level_list_when_items_path_is_empty() -> None:
    source = Source(name="API", json="http://example.test/api", fields=JsonFields(url="href"))
    body = b'[{"href": "http://example.test/a?gclid=x"}, {"href": "http://example.test/b"}]'

    assert urls(read_json(body, "http://example.test/api", source)) == [
        "http://example.test/a",
        "http://example.test/b",
    ]


def test_json_body_carried_in_the_index() -> None:
    source = Source(
        name="API",
        json="http://example.test/api",
        fields=JsonFields(items="items", url="link", body="content.html"),
    )
    body = json.dumps(
        {"items": [{"link": "/n/1", "content": {"html": "<p>The minister said hello.</p>"}}]}
    ).encode()

    (link,) = read_json(body, "http://example.test/api", source).links

    assert link.body_html == "<p>The minister said hello.</p>"
    assert link.fetch_url is None


def test_json_body_url_means_fetch_it() -> None:
    source = Source(
        name="API",
        json="http://example.test/api",
        fields=JsonFields(
            items="items",
            url="/n/{id}",
            body="content.html",
            body_url="/api/item/{id}?full=1",
        ),
    )
    body = json.dumps(
        {"items": [{"id": 77, "content": {"html": "<p>teaser only</p>"}}, {"content": {}}]}
    ).encode()

    result = read_json(body, "http://example.test/api", source)

    (link,) = result.links
    assert link.url == "http://example.test/n/77"
    assert link.fetch_url == "http://example.test/api/item/77?full=1"
    assert link.body_html is None
    assert result.problem is not None and result.problem.startswith("1 ")


@pytest.mark.parametrize(
    "body", [b"<html>Service unavailable</html>", b"", b"{'single': 'quotes'}", b"\xff\xfe\xfa"]
)
def test_not_json_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedIndex, match="not JSON"):
        read_json(body, API_URL, API)


@pytest.mark.parametrize(
    ("body", "found"),
    [
        (b'{"data": {"results": {"UrlName": "x"}}}', "dict"),
        (b'{"data": {"results": null}}', "NoneType"),
        (b'{"data": {}}', "NoneType"),
        (b'{"error": "rate limited"}', "NoneType"),
        (b'"just a string"', "NoneType"),
    ],
)
def test_items_path_not_a_list_is_malformed(body: bytes, found: str) -> None:
    with pytest.raises(MalformedIndex, match=r"no list at 'data\.results'") as raised:
        read_json(body, API_URL, API)
    assert found in str(raised.value)


def test_empty_item_list_is_fine() -> None:
    assert read_json(api_body([]), API_URL, API) == IndexResult()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("a", {"b": [10, {"c": "deep"}]}),
        ("a.b.0", 10),
        ("a.b.1.c", "deep"),
        ("a.b.-1.c", "deep"),
        ("a.b.2", None),
        ("a.b.-3", None),
        ("a.b.x", None),
        ("a.missing.c", None),
        ("a.b.0.c", None),
        ("with space.inner", "spaced"),
        ("7", "numeric key"),
    ],
)
def test_lookup(path: str, expected: Any) -> None:
    data = {"a": {"b": [10, {"c": "deep"}]}, "with space": {"inner": "spaced"}, "7": "numeric key"}
    assert lookup(data, path) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("slug", "sea-wall"),
        ("https://example.test/{section}/{slug}", "https://example.test/coast/sea-wall"),
        ("https://example.test/{meta.ids.0}", "https://example.test/0"),
        ("https://example.test/{missing}", None),
        ("https://example.test/{empty}", None),
        ("missing", None),
        ("empty", None),
    ],
)
def test_fill(template: str, expected: str | None) -> None:
    item = {"slug": " sea-wall ", "section": "coast", "meta": {"ids": [0]}, "empty": ""}
    assert fill(template, item) == expected


def test_reader_for_each_kind() -> None:
    assert reader_for("feed") is read_feed
    assert reader_for("sitemap") is read_sitemap
    assert reader_for("listing") is read_listing
    assert reader_for("json") is read_json
