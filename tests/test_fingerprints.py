"""Near-duplicate fingerprints and template lines, on texts of our own."""

from __future__ import annotations

from mediamon.fingerprints import NEAR, hamming, line_fingerprint, simhash, template_candidates

STORY = (
    "The foreign ministers of the two countries met in Vienna on Tuesday to discuss the "
    "exchange of prisoners and the reopening of consulates closed last year. Officials on "
    "both sides described the talks as businesslike and said a second round would follow "
    "within a month. The meeting lasted three hours and ended without a joint statement."
)


def test_a_republished_copy_is_near_and_a_different_story_is_not() -> None:
    copy = (
        "VIENNA (Wire) - " + STORY.replace("Tuesday", "Tuesday,") + " Reporting by the wire desk."
    )
    other = (
        "Heavy snow closed the mountain passes for a third day as road crews struggled to clear "
        "drifts several metres deep. Schools in the valley stayed shut and the regional "
        "government opened emergency shelters for stranded travellers and lorry drivers."
    )
    assert hamming(simhash(STORY), simhash(copy)) <= NEAR
    assert hamming(simhash(STORY), simhash(other)) > 10


def test_simhash_fits_a_signed_bigint() -> None:
    for text in (STORY, "", "one", "x " * 1000):
        value = simhash(text)
        assert -(2**63) <= value < 2**63


def test_template_lines_ignore_spacing_case_and_punctuation_but_not_length() -> None:
    assert line_fingerprint("The Daily Ledger: news since 1998.") == line_fingerprint(
        "  the daily ledger — NEWS since 1998 "
    )
    long_paragraph = " ".join(["word"] * 80)
    found = template_candidates(f"The Daily Ledger: news since 1998.\n{long_paragraph}\n\n")
    assert list(found.values()) == ["The Daily Ledger: news since 1998."]
