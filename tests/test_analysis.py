"""The analysis pieces on sentences of our own: matching, dates, relevance, attribution."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from mediamon.analysis.events import compatible_kinds, matching_event, merge, new_event
from mediamon.analysis.lexicon import Lexicon
from mediamon.analysis.relevance import ArticleText, ContactReport, assess
from mediamon.analysis.sides import attributed_side, statements
from mediamon.analysis.text import sentences
from mediamon.analysis.when import contact_date
from mediamon.config import load_config
from mediamon.store import EventRecord

ROOT = Path(__file__).resolve().parents[1]
MOSCOW = timezone(timedelta(hours=3))
MONDAY_MORNING = datetime(2023, 12, 11, 9, 0, tzinfo=MOSCOW)


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon(load_config(ROOT / "config.yaml"))


def press(title: str, *body: str, published: datetime = MONDAY_MORNING) -> ArticleText:
    return ArticleText(title, "\n".join(body), published, side=None, official=False)


def report(article: ArticleText, lexicon: Lexicon) -> ContactReport | None:
    return assess(article, lexicon, lead=3, max_age_days=3)


def test_aliases_match_inflected_russian_and_prefixed_hebrew(lexicon: Lexicon) -> None:
    found = lexicon.mentions("Путиным и Нетаньяху; ולנתניהו ולפוטין; the Kremlin")
    assert [(m.side, m.actor) for m in found] == [
        ("russia", "Vladimir Putin"),
        ("israel", "Benjamin Netanyahu"),
        ("israel", "Benjamin Netanyahu"),
        ("russia", "Vladimir Putin"),
        ("russia", "The Kremlin"),
    ]


def test_the_longest_mention_wins(lexicon: Lexicon) -> None:
    found = lexicon.mentions("Russian President Vladimir Putin")
    assert [(m.actor, m.party) for m in found] == [(None, True), ("Vladimir Putin", True)]


def test_sentences_keep_initials_and_titles_together() -> None:
    assert sentences("Mr. Putin met Vladimir V. Smith. They talked.\nНовый абзац.") == [
        "Mr. Putin met Vladimir V. Smith.",
        "They talked.",
        "Новый абзац.",
    ]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The two leaders spoke by phone on Sunday.", date(2023, 12, 10)),
        ("Накануне состоялся телефонный разговор.", date(2023, 12, 10)),
        ("Лидеры поговорили в воскресенье вечером.", date(2023, 12, 10)),
        ("השניים שוחחו אתמול בערב.", date(2023, 12, 10)),
        ("They spoke by phone on December 8.", date(2023, 12, 8)),
        ("Разговор состоялся 8 декабря.", date(2023, 12, 8)),
        ("They spoke today.", date(2023, 12, 11)),
    ],
)
def test_contact_dates_are_read_against_the_publication_day(sentence: str, expected: date) -> None:
    assert contact_date(sentence, MONDAY_MORNING) == (expected, True)


def test_a_reference_date_is_not_the_contact_date() -> None:
    sentence = "Putin spoke with Netanyahu on Monday, the first call since October 7."
    assert contact_date(sentence, MONDAY_MORNING, anchor=6)[0] == date(2023, 12, 11)


def test_a_call_reported_by_the_press_is_relevant(lexicon: Lexicon) -> None:
    found = report(
        press(
            "Leaders of Israel and Russia hold tense call",
            "Prime Minister Benjamin Netanyahu and President Vladimir Putin spoke by telephone on Sunday.",
        ),
        lexicon,
    )
    assert found is not None
    assert found.kind == "call" and found.date == date(2023, 12, 10)
    assert found.participants == {"israel": ("Benjamin Netanyahu",), "russia": ("Vladimir Putin",)}


def test_an_official_readout_speaks_for_its_side_unnamed(lexicon: Lexicon) -> None:
    readout = ArticleText(
        "Telephone conversation with the Prime Minister of Israel",
        "The President held a telephone conversation with the Prime Minister of Israel.",
        MONDAY_MORNING,
        side="russia",
        official=True,
    )
    found = report(readout, lexicon)
    assert found is not None and found.kind == "call"


@pytest.mark.parametrize(
    "article",
    [
        press(
            "Kremlin says no call between Putin and Netanyahu is planned",
            "Dmitry Peskov said there were no plans for Putin to speak with Netanyahu by phone.",
        ),
        press(
            "Putin and Erdogan discuss Gaza by phone",
            "Vladimir Putin spoke by phone with Turkey's president about Israel's operation in Gaza.",
        ),
        press(
            "Looking back on a decade of summits",
            "The relationship has cooled.",
            "Analysts recall the chill of recent years.",
            "Few expect a quick thaw.",
            "In 2018 Netanyahu met Putin in Moscow to watch the Victory Day parade.",
        ),
        press(
            "Netanyahu met Putin in Moscow in 2018, archive shows",
            "The photographs from 2018 were released by the archive on Monday.",
        ),
        press(
            "Iran sends more drones to Russia, Israeli officials say",
            "Israeli officials said Iran had shipped hundreds of drones to Russia this year.",
        ),
    ],
)
def test_hard_negatives_are_not_contacts(article: ArticleText, lexicon: Lexicon) -> None:
    assert report(article, lexicon) is None


@pytest.mark.parametrize(
    ("sentence", "side"),
    [
        (
            "For its part, the Kremlin said the focus was the humanitarian situation in Gaza.",
            "russia",
        ),
        (
            "Mr. Netanyahu said he was unhappy with Moscow's votes, according to a statement from his office.",
            "israel",
        ),
        ("Netanyahu told Putin that Israel would act, the Kremlin said.", "russia"),
        ("Путин извинился перед Беннетом, сообщила канцелярия премьер-министра Израиля.", "israel"),
        ("По данным пресс-службы Кремля, лидеры обсудили Сирию.", "russia"),
        ("Israeli officials said the talks were frank.", "israel"),
        ("TASS, citing the Kremlin press service, said the leaders discussed trade.", "russia"),
    ],
)
def test_attribution(sentence: str, side: str, lexicon: Lexicon) -> None:
    assert attributed_side(sentence, lexicon) == side


def test_a_pronoun_speaks_for_whom_the_text_was_just_about(lexicon: Lexicon) -> None:
    found = statements(
        press(
            "Two versions of one call",
            "The Kremlin's account was markedly cooler.",
            "It said the leaders discussed the humanitarian situation in Gaza.",
            "Netanyahu's office said he raised Iran.",
        ),
        lexicon,
    )
    assert [(s.side, s.text[:12]) for s in found] == [
        ("russia", "It said the "),
        ("israel", "Netanyahu's "),
    ]


def test_official_readouts_are_their_sides_statements(lexicon: Lexicon) -> None:
    readout = ArticleText(
        "Talks",
        "The leaders met. They discussed Syria.",
        MONDAY_MORNING,
        side="israel",
        official=True,
    )
    assert [(s.side, s.attributed) for s in statements(readout, lexicon)] == [
        ("israel", False),
        ("israel", False),
    ]


def call_on(
    day: date,
    israel: tuple[str, ...] = ("Naftali Bennett",),
    russia: tuple[str, ...] = ("Vladimir Putin",),
    kind: str = "call",
) -> ContactReport:
    return ContactReport(kind, {"israel": israel, "russia": russia}, day, True, ())


def test_events_join_within_a_day_and_split_days_apart() -> None:
    meeting = EventRecord(
        "e1",
        date(2022, 3, 5),
        "meeting",
        {"israel": ["Naftali Bennett"], "russia": ["Vladimir Putin"]},
    )
    assert matching_event(call_on(date(2022, 3, 5), kind="visit"), [meeting], 1) is meeting
    assert matching_event(call_on(date(2022, 3, 12)), [meeting], 1) is None
    other_people = call_on(date(2022, 3, 5), ("Avigdor Lieberman",), ("Sergei Shoigu",), "meeting")
    assert matching_event(other_people, [meeting], 1) is None
    assert compatible_kinds("call", "other") and not compatible_kinds("call", "meeting")


def test_a_late_official_readout_updates_the_event() -> None:
    event = EventRecord(
        "e1", date(2023, 12, 11), "other", {"israel": [], "russia": ["Vladimir Putin"]}
    )
    updated = merge(event, call_on(date(2023, 12, 10), ("Benjamin Netanyahu",)), official=True)
    assert updated.id == "e1" and updated.kind == "call" and updated.date == date(2023, 12, 10)
    assert updated.participants["israel"] == ["Benjamin Netanyahu"]


def test_event_ids_are_readable_and_unique() -> None:
    report = call_on(date(2023, 12, 10), ("Benjamin Netanyahu",))
    first = new_event(report, ("israel", "russia"), lambda prefix: set())
    assert first.id == "2023-12-10-call-netanyahu-putin"
    second = new_event(report, ("israel", "russia"), lambda prefix: {first.id})
    assert second.id == "2023-12-10-call-netanyahu-putin-2"


def test_offices_are_parties_but_not_participants(lexicon: Lexicon) -> None:
    found = report(
        press(
            "Kremlin: leaders held a telephone conversation",
            "The Kremlin said Vladimir Putin spoke by phone with Benjamin Netanyahu on Sunday.",
        ),
        lexicon,
    )
    assert found is not None
    assert found.participants == {"israel": ("Benjamin Netanyahu",), "russia": ("Vladimir Putin",)}
