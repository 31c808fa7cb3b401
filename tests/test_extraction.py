"""Tests of the extraction stage: article text, metadata, language and the CTA filter."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.boilerplate import strip_calls_to_action
from crawler.extraction import Extracted, extract_article
from crawler.language import guess_language, normalise_language

PAGES = Path(__file__).parent / "fixtures" / "pages"


def raw(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def page(name: str) -> str:
    return raw(name).decode("utf-8")


def extracted(html: str | bytes, **kwargs: object) -> Extracted:
    result = extract_article(html, **kwargs)  # type: ignore[arg-type]
    assert result is not None, "expected an article"
    return result


# --- the paywalled analysis page ------------------------------------------------------

ANALYSIS_BODY = [
    "The conversation between the prime minister and the Russian president lasted barely "
    "forty minutes, yet diplomats in both capitals spent the following morning arguing over "
    "what had actually been agreed.",
    "The Kremlin version, published a few hours later, put the emphasis elsewhere.",
    "Former envoys interviewed for this piece argued that the channel itself remains valuable.",
    "What to watch next is whether the promised follow-up call between national security "
    "advisers takes place within the fortnight, as both offices suggested it would.",
]


def test_analysis_page_keeps_the_body_paragraphs_one_per_line() -> None:
    article = extracted(page("analysis_with_paywall.html"), url="https://harbourline.example/a")
    for sentence in ANALYSIS_BODY:
        assert sentence in article.text
    lines = article.text.split("\n")
    assert len(lines) == 6
    assert lines[0] == ANALYSIS_BODY[0]
    assert lines[-1] == ANALYSIS_BODY[-1], "the article must end with its last paragraph"


@pytest.mark.parametrize(
    "chrome",
    [
        "The Middle East coverage you can count on",
        "community of 40,000 readers",
        "unlimited access",
        "Subscribe",
        "$89",
        "a year",
        "Skip to main content",
        "Related Articles",
        "Back to top",
        "cookies",
        "Sign up",
        "All rights reserved",
        "Share this article",
    ],
)
def test_analysis_page_loses_its_pitch_and_chrome(chrome: str) -> None:
    article = extracted(page("analysis_with_paywall.html"))
    assert chrome.lower() not in article.text.lower()


def test_analysis_page_metadata() -> None:
    article = extracted(page("analysis_with_paywall.html"))
    assert article.title == "Why the late-night call between Jerusalem and Moscow matters"
    assert article.author == "Tomer Halevy-Grant"
    assert article.site_name == "Harbour Line Review"
    assert article.published == datetime(2024, 2, 3, 7, 10, tzinfo=UTC)
    assert article.language == "en"


# --- the Russian readout in windows-1251 ----------------------------------------------

RU_TITLE = "Телефонный разговор с Премьер-министром Израиля"
RU_SENTENCES = [
    "По инициативе израильской стороны Президент России провёл телефонный разговор "
    "с Премьер-министром Израиля.",
    "С российской стороны была подчёркнута необходимость скорейшего прекращения огня",
    "Условлено продолжить контакты на различных уровнях.",
]
CP1251_META = b'<meta charset="windows-1251">'


def test_russian_fixture_really_is_windows_1251() -> None:
    # guards the tests below: a UTF-8 file would not exercise the decoding at all
    body = raw("readout_ru_cp1251.html")
    assert CP1251_META in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


@pytest.mark.parametrize(
    "declaration",
    [
        CP1251_META,
        b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">',
    ],
    ids=["meta-charset", "http-equiv"],
)
def test_russian_bytes_come_out_as_cyrillic(declaration: bytes) -> None:
    body = raw("readout_ru_cp1251.html").replace(CP1251_META, declaration)
    article = extracted(body, url="https://kremlin.example/events/president/news/1")
    for sentence in RU_SENTENCES:
        assert sentence in article.text
    assert "\ufffd" not in article.text
    assert article.title == RU_TITLE
    assert article.language == "ru"


def test_russian_page_loses_its_calls_to_action() -> None:
    article = extracted(raw("readout_ru_cp1251.html"))
    for chrome in ("Подписывайтесь", "Читайте также", "Реклама", "Все права защищены", "cookie"):
        assert chrome not in article.text
    assert article.text.rstrip().endswith("Условлено продолжить контакты на различных уровнях.")


def test_day_without_time_is_midnight_utc() -> None:
    # the readout states only "10 декабря 2023 года, 19:20" in its text, no metadata
    article = extracted(raw("readout_ru_cp1251.html"))
    assert article.published == datetime(2023, 12, 10, tzinfo=UTC)


def test_text_language_beats_the_source_hint() -> None:
    article = extracted(raw("readout_ru_cp1251.html"), language_hint="he")
    assert article.language == "ru"


# --- the Hebrew readout ---------------------------------------------------------------


def test_hebrew_readout() -> None:
    article = extracted(page("readout_he.html"))
    assert "ראש הממשלה שוחח הערב בטלפון עם נשיא רוסיה, לבקשת הצד הישראלי." in article.text
    assert "וביקש להמשיך את התיאום השוטף בין הצבאות בשמי סוריה" in article.text
    assert article.title == "ראש הממשלה שוחח בטלפון עם נשיא רוסיה"
    assert article.language == "he"
    for chrome in ("הירשמו", "ניוזלטר", "לכתבות נוספות", "דלג לתוכן", "כל הזכויות שמורות"):
        assert chrome not in article.text


def test_utf8_bytes_give_the_same_article_as_text() -> None:
    assert extract_article(raw("readout_he.html")) == extract_article(page("readout_he.html"))


# --- metadata: publication time, author, site name ------------------------------------

NEWS_PUBLISHED = datetime(2023, 12, 10, 15, 45, tzinfo=UTC)  # 18:45 at +03:00
NEWS_META = '<meta property="article:published_time" content="2023-12-10T18:45:00+03:00">'


def test_news_page_metadata() -> None:
    article = extracted(page("news_en_metadata.html"))
    assert article.published == NEWS_PUBLISHED
    assert article.published is not None and article.published.tzinfo is not None
    assert article.author == "Lena Markovitz"
    assert article.site_name == "The Coastal Herald"
    assert article.title == "Kremlin and Israeli leader discuss hostages and Syria in phone call"
    assert article.language == "en"
    assert "the first direct contact between the two leaders in several weeks" in article.text
    assert "Read more" not in article.text


def _news_with(head: str = "", article_top: str = "") -> str:
    html = page("news_en_metadata.html")
    assert NEWS_META in html
    html = html.replace(NEWS_META, head)
    return html.replace('<article id="story">', '<article id="story">' + article_top)


_JSON_LD = json.dumps(
    {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "datePublished": "2021-05-01T08:00:00Z"},
            {"@type": "NewsArticle", "datePublished": "2023-12-10T18:45:00+03:00"},
        ],
    }
)


@pytest.mark.parametrize(
    ("head", "article_top"),
    [
        ('<meta itemprop="datePublished" content="2023-12-10T18:45:00+03:00">', ""),
        (f'<script type="application/ld+json">{_JSON_LD}</script>', ""),
        ("", '<time datetime="2023-12-10T18:45:00+03:00">10 December</time>'),
        ('<meta property="article:published_time" content="2023-12-10T15:45:00">', ""),
    ],
    ids=["itemprop", "json-ld-article-over-webpage", "time-in-article", "no-zone-is-utc"],
)
def test_publication_time_sources(head: str, article_top: str) -> None:
    article = extracted(_news_with(head, article_top))
    assert article.published == NEWS_PUBLISHED


def test_without_any_date_published_is_none() -> None:
    html = page("editor_note.html").replace(
        '<meta itemprop="datePublished" content="2023-12-12T08:30:00">', ""
    )
    assert extracted(html).published is None


# --- source-specific pruning ----------------------------------------------------------

EDITOR_NOTE = "Editor's note: An earlier version of this report gave the wrong date"
EDITOR_BODY = "A diplomat familiar with the preparations said the agenda would include"


def test_prune_xpath_removes_the_block() -> None:
    html = page("editor_note.html")
    unpruned = extracted(html)
    assert EDITOR_NOTE in unpruned.text

    pruned = extracted(html, prune_xpath=['//div[@class="editor-note"]'])
    assert EDITOR_NOTE not in pruned.text
    assert EDITOR_BODY in pruned.text
    # the zone-less itemprop timestamp is read as UTC
    assert pruned.published == datetime(2023, 12, 12, 8, 30, tzinfo=UTC)


def test_invalid_prune_rule_is_reported() -> None:
    with pytest.raises(ValueError, match="prune_xpath"):
        extract_article(page("editor_note.html"), prune_xpath=["//div[@class="])


# --- pages without an article ---------------------------------------------------------


def test_javascript_shell_has_no_article() -> None:
    assert extract_article(page("empty_shell.html")) is None


@pytest.mark.parametrize("html", ["", "   \n", b""])
def test_empty_input_has_no_article(html: str | bytes) -> None:
    assert extract_article(html) is None


def test_page_of_nothing_but_calls_to_action_has_no_article() -> None:
    html = (
        "<html><body><main><article>"
        "<p>Subscribe</p><p>Only $100 per year.</p><p>Back to top</p>"
        "</article></main></body></html>"
    )
    assert extract_article(html) is None


# --- the call-to-action filter --------------------------------------------------------

CALLS_TO_ACTION = {
    "en": [
        "Skip to main content",
        "Subscribe",
        "Subscribe now",
        "Sign up for our morning briefing",
        "Get our free newsletter delivered to your inbox",
        "Read more",
        "Read more: How the deconfliction hotline over Syria works",
        "Related Articles",
        "Back to top",
        "Share this article",
        "Advertisement",
        "We use cookies to improve your experience and to measure our audience.",
        "Follow us on X, Telegram and Facebook",
        "© 2024 Harbour Line Review. All rights reserved.",
        "Download our app",
        "Join a community of 40,000 readers and unlock unlimited access to our reporting.",
        "Access the regional news and analysis you can trust",
        "Already a subscriber? Log in",
        "Become a member today",
        "You need to enable JavaScript to run this app.",
    ],
    "ru": [
        "Подписывайтесь на наш канал в Telegram",
        "Подпишитесь на рассылку",
        "Читайте также",
        "Читайте также: Встреча с министром иностранных дел",
        "Реклама",
        "Поделиться",
        "Перейти к основному содержанию",
        "© 2023 Пресс-служба. Все права защищены.",
        "При использовании материалов ссылка на сайт обязательна.",
        "Сайт использует файлы cookie. Продолжая пользоваться сайтом, вы соглашаетесь с этим.",
    ],
    "he": [
        "הירשמו",
        "הירשמו לניוזלטר שלנו וקבלו את העדכונים ישירות למייל",
        "לכתבות נוספות",
        "קראו עוד",
        "שתפו",
        "דלג לתוכן הראשי",
        "עקבו אחרינו בטלגרם ובפייסבוק",
        "© 2023 לשכת העיתונות. כל הזכויות שמורות.",
        "אתר זה משתמש בעוגיות כדי לשפר את חוויית הגלישה.",
    ],
}

PRICES = [
    "Only $100 per year.",
    "Just $89 a year.",
    "€9.99/month",
    "£5 a month, cancel anytime",
    "Подписка всего 299 руб. в месяц",
    "מינוי דיגיטלי ב-29.90 ₪ לחודש",
]

FACTS = [
    "The ministry said it would not subscribe to the declaration adopted in Geneva on Monday.",
    "According to the embassy's weekly newsletter, the two leaders agreed to keep in regular "
    "contact ahead of the winter talks in Moscow and to revisit the question of stranded dual "
    "nationals before the end of the month, officials said.",
    "Russia's budget deficit was $40 billion a year.",
    "The tariff rose to $5 per month for pensioners in the northern regions.",
    "Share prices fell sharply in Moscow.",
    "Support for the deal among lawmakers was high, according to our survey.",
    # long sentences that use the pitches' vocabulary: the length rule keeps them
    "“We do not subscribe to your reading of the agreement,” the Russian ambassador told the "
    "Israeli foreign minister during a tense meeting in Moscow on Thursday, according to two "
    "officials who were present.",
    "The embassy said it had never placed cookies on the computers of visitors to its website "
    "without their consent, rejecting a complaint that a privacy group in Tel Aviv had filed "
    "with the regulator last week.",
    "Стороны подписали соглашение о сотрудничестве.",
    "Реклама в Telegram-каналах запрещена законом с марта.",
    "שלוש מדינות הצטרפו להסכם בשבוע שעבר.",
]

LEAD = "The two leaders spoke by telephone on Sunday evening, their first call in several weeks."
LAST = "Both offices said a further call would follow within the fortnight."


def _cases(kind: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(language, line) for language, lines in kind.items() for line in lines]


@pytest.mark.parametrize(("language", "line"), _cases(CALLS_TO_ACTION))
def test_call_to_action_line_is_removed(language: str, line: str) -> None:
    text = f"{LEAD}\n{line}\n{LAST}"
    assert strip_calls_to_action(text) == f"{LEAD}\n{LAST}"


@pytest.mark.parametrize("line", PRICES)
def test_price_line_is_removed(line: str) -> None:
    assert strip_calls_to_action(f"{LEAD}\n{line}\n{LAST}") == f"{LEAD}\n{LAST}"


@pytest.mark.parametrize("line", FACTS)
def test_factual_sentence_is_kept(line: str) -> None:
    text = f"{LEAD}\n{line}\n{LAST}"
    assert strip_calls_to_action(text) == text


def test_trailing_pitch_block_goes_with_its_heading() -> None:
    text = "\n".join(
        [
            LEAD,
            LAST,
            "Our best offer this winter",
            "Subscribe",
            "Only $100 per year.",
            "Back to top",
        ]
    )
    assert strip_calls_to_action(text) == f"{LEAD}\n{LAST}"


def test_short_heading_inside_the_article_is_kept() -> None:
    text = f"{LEAD}\nTalks in Geneva\n{LAST}\nSubscribe"
    assert strip_calls_to_action(text) == f"{LEAD}\nTalks in Geneva\n{LAST}"


def test_blank_lines_and_padding_are_dropped() -> None:
    assert strip_calls_to_action(f"  {LEAD}  \n\n\n{LAST}\n") == f"{LEAD}\n{LAST}"


# --- language guessing ----------------------------------------------------------------

TR_PAGE = """<!DOCTYPE html>
<html lang="tr-TR"><head><meta charset="utf-8"><title>Telefon görüşmesi</title></head>
<body><main><article>
<h1>Cumhurbaşkanı İsrail Başbakanı ile telefonda görüştü</h1>
<p>Rusya Devlet Başkanı, İsrail Başbakanı ile pazar akşamı telefonda görüştü. Görüşmede
bölgedeki son gelişmeler ve insani yardım konuları ele alındı.</p>
<p>Taraflar, iki ülkenin askeri yetkilileri arasındaki koordinasyon hattının açık tutulması
konusunda uzlaştı.</p>
</article></main></body></html>"""


def test_page_declared_language_is_reported() -> None:
    # no Turkish stop words in the guesser: only the page's lang="tr-TR" can tell
    assert extracted(TR_PAGE).language == "tr"


def test_source_hint_decides_a_latin_text_without_known_stop_words() -> None:
    undeclared = TR_PAGE.replace(' lang="tr-TR"', "")
    assert extracted(undeclared, language_hint="tr").language == "tr"
    assert extracted(undeclared).language == "en"


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("ru-RU", "ru"),
        ("he_IL", "he"),
        ("EN-gb", "en"),
        ("iw", "he"),
        ("en, ru", "en"),
        ("x-default", None),
        ("", None),
        (None, None),
    ],
)
def test_language_tags_are_normalised(tag: str | None, code: str | None) -> None:
    assert normalise_language(tag) == code


RU_TEXT = "Президент провёл телефонный разговор с премьер-министром. Обсуждалась обстановка."
UK_TEXT = "Президент провів телефонну розмову з прем'єр-міністром. Сторони обговорили ситуацію в регіоні та її наслідки."
HE_TEXT = "ראש הממשלה שוחח הערב בטלפון עם נשיא רוסיה."
AR_TEXT = "أجرى رئيس الوزراء اتصالا هاتفيا مع الرئيس الروسي."
EN_TEXT = "The prime minister spoke with the president and said that the talks were useful."
DE_TEXT = "Der Ministerpräsident hat mit dem Präsidenten telefoniert und die Lage in der Region besprochen."
FR_TEXT = "Le Premier ministre a parlé avec le président et les deux dirigeants ont évoqué la situation dans la région."


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (RU_TEXT, "ru"),
        (UK_TEXT, "uk"),
        (HE_TEXT, "he"),
        (AR_TEXT, "ar"),
        (EN_TEXT, "en"),
        (DE_TEXT, "de"),
        (FR_TEXT, "fr"),
    ],
)
def test_language_from_text(text: str, code: str) -> None:
    assert guess_language(text) == code


def test_declared_language_wins_when_the_script_agrees() -> None:
    assert guess_language(EN_TEXT, html_lang="fr-FR") == "fr"
    assert guess_language(RU_TEXT, html_lang="uk") == "uk"


def test_declared_language_of_another_script_is_ignored() -> None:
    # site templates that say lang="en" on every page, Russian ones included
    assert guess_language(RU_TEXT, html_lang="en") == "ru"


def test_hint_only_when_the_text_says_nothing() -> None:
    assert guess_language("12:00 — 14:30", hint="ru-RU") == "ru"
    assert guess_language(HE_TEXT, hint="ru") == "he"
    assert guess_language("", hint=None) is None


def test_the_headline_is_not_repeated_as_the_first_line_of_the_body() -> None:
    page = (
        "<html><head><title>Leaders talk by phone | Daily</title></head><body><article>"
        "<h1>Leaders talk by phone</h1>"
        "<p>The two leaders spoke by telephone on Sunday evening for almost an hour, officials said.</p>"
        "<p>They discussed the situation in the region and agreed to stay in touch in the weeks ahead.</p>"
        "</article></body></html>"
    )
    article = extracted(page)
    assert article.title == "Leaders talk by phone"
    assert article.text.splitlines()[0].startswith("The two leaders spoke")


@pytest.mark.parametrize(
    "line",
    [
        "Order Reprints",
        "Print Article",
        "Tags: diplomacy, Middle East, telephone diplomacy",
        "This copy is for your personal, non-commercial use only.",
        "Write to Dana Levi at dana.levi@example.test",
        "An error has occurred, please try again later.",
        "Like this story? Share it with a friend!",
        "Also on example.com: Ministers meet in Geneva",
        "Morning Briefing Newsletter",
    ],
)
def test_reprint_notices_tags_and_teasers_are_dropped(line: str) -> None:
    body = "The delegation arrived in the capital on Tuesday for two days of talks with officials."
    assert strip_calls_to_action(f"{body}\n{line}") == body
