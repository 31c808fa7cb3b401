"""Divergence between the two sides' accounts, one case each, on readouts of our own."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from mediamon.analysis.divergence import Comparer
from mediamon.config import load_config
from mediamon.store import EventArticle, EventDetails, StatementRecord

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2023, 12, 10, 20, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def comparer() -> Comparer:
    return Comparer(load_config(ROOT / "config.yaml"))


def readout(side: str, *sentences: str, attributed: bool = False) -> EventArticle:
    return EventArticle(
        url=f"http://{side}.test/{abs(hash(sentences))}",
        source=side,
        title=None,
        published=NOW,
        official=not attributed,
        side=None if attributed else side,
        statements=tuple(StatementRecord(side, s, attributed) for s in sentences),
    )


def event(*articles: EventArticle) -> EventDetails:
    return EventDetails("e", date(2023, 12, 10), "call", {}, NOW, NOW, tuple(articles))


def test_different_emphasis_diverges_and_says_who_stressed_what(comparer: Comparer) -> None:
    verdict = comparer.compare(
        event(
            readout(
                "israel",
                "The Prime Minister objected to Russia's votes at the UN Security Council.",
                "He criticised the military cooperation between Moscow and Tehran.",
                "He raised the fate of the hostages held in Gaza.",
            ),
            readout(
                "russia",
                "The President stressed the grave humanitarian situation in the Gaza Strip.",
                "The leaders also touched on the hostages.",
            ),
        )
    )
    assert verdict.diverging and verdict.kinds == ["emphasis"]
    assert verdict.only == {
        "israel": ["Iran", "UN votes and positions"],
        "russia": ["the humanitarian situation"],
    }
    assert "hostages" in verdict.shared and "Gaza" in verdict.shared
    assert verdict.summary == (
        "Israel: Iran and UN votes and positions. Russia: the humanitarian situation. "
        "Both: Gaza and hostages."
    )


def test_an_apology_only_one_side_reports_is_an_omission(comparer: Comparer) -> None:
    verdict = comparer.compare(
        event(
            readout(
                "israel",
                "The Prime Minister accepted the President's apology for the minister's remarks.",
                "They discussed the evacuation of civilians from the besieged plant.",
            ),
            readout(
                "russia",
                "The leaders discussed humanitarian corridors for the evacuation of civilians.",
            ),
        )
    )
    assert verdict.diverging and verdict.kinds == ["omission"]
    assert verdict.only["israel"] == ["an apology"]
    assert "Only Israel mentions an apology; Russia does not." in verdict.summary


def test_blaming_the_other_side_contradicts_a_blame_laid_elsewhere(comparer: Comparer) -> None:
    verdict = comparer.compare(
        event(
            readout("israel", "The minister said full responsibility lay with the Syrian army."),
            readout(
                "russia",
                "The minister said Israel bore full responsibility for the loss of the aircraft.",
            ),
        )
    )
    assert verdict.diverging and "contradiction" in verdict.kinds
    assert "They blame different parties." in verdict.summary


def test_the_same_substance_in_other_words_does_not_diverge(comparer: Comparer) -> None:
    verdict = comparer.compare(
        event(
            readout(
                "israel",
                "The two leaders discussed Syria and the coordination between the armies.",
                "The Prime Minister congratulated the President on Victory Day and praised the Red Army veterans.",
            ),
            readout(
                "russia",
                "Владимир Путин поздравил собеседника с Днём Победы.",
                "Обсуждалась ситуация в Сирии.",
            ),
        )
    )
    assert not verdict.diverging and verdict.kinds == []
    assert verdict.only == {"israel": [], "russia": []}
    assert verdict.summary == "The accounts agree on Syria and World War II memory."


def test_greetings_worded_differently_do_not_diverge(comparer: Comparer) -> None:
    verdict = comparer.compare(
        event(
            readout(
                "israel",
                "The Prime Minister thanked the President for the warm and friendly conversation.",
            ),
            readout(
                "russia",
                "The President conveyed his best wishes to the people of Israel on the holiday.",
            ),
        )
    )
    assert not verdict.diverging and verdict.score < 0.5


def test_one_side_silent_is_not_a_divergence_yet(comparer: Comparer) -> None:
    verdict = comparer.compare(
        event(
            readout("russia", "The President stressed the humanitarian situation in Gaza."),
        )
    )
    assert not verdict.diverging and verdict.score == 0.0
    assert (
        verdict.summary
        == "Only Russia has given an account so far; Israel has not published one yet."
    )


def test_press_remarks_about_differing_versions_do_not_decide(comparer: Comparer) -> None:
    verdict = comparer.compare(
        event(
            readout("israel", "The leaders discussed the situation in Syria."),
            readout("russia", "The sides discussed the Syrian settlement."),
            readout(
                "israel",
                "The two governments offered sharply different versions of the call, Israeli officials said.",
                attributed=True,
            ),
        )
    )
    assert not verdict.diverging


def test_the_press_stands_in_for_a_side_without_a_readout(comparer: Comparer) -> None:
    verdict = comparer.compare(
        event(
            readout(
                "russia",
                "The Kremlin said the talks centred on trade and investment.",
                attributed=True,
            ),
            readout(
                "israel",
                "Israeli officials said the Prime Minister warned about Iran.",
                attributed=True,
            ),
        )
    )
    assert verdict.diverging
    assert verdict.only == {"israel": ["Iran"], "russia": ["trade and economic ties"]}


def test_claims_beyond_the_taxonomy_are_listed_for_the_reader(comparer: Comparer) -> None:
    verdict = comparer.compare(
        event(
            readout(
                "israel",
                "The leaders discussed Syria.",
                "The Prime Minister invited the President to open the new memorial in Netanya next spring.",
            ),
            readout("russia", "The leaders discussed Syria."),
        )
    )
    assert verdict.claims["israel"] == [
        "The Prime Minister invited the President to open the new memorial in Netanya next spring."
    ]
    assert verdict.claims["russia"] == []
