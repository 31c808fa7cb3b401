"""Guesses an article's language (ISO 639-1) without a language-identification library.

The sources we watch write in a handful of languages with distinct scripts (Russian,
Ukrainian, Hebrew, Arabic, English and a few other Latin-script languages), so the page's
own declaration plus the script of its text, and a few stop words for Latin-script text,
are enough.
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["guess_language", "normalise_language"]

# Enough text to tell the script and count stop words; more only costs time.
_SAMPLE_CHARS = 1000

# Runs of letters (not single letters): far fewer matches to build, the same letter counts.
_SCRIPTS: dict[str, re.Pattern[str]] = {
    "cyrillic": re.compile(r"[\u0400-\u04ff]+"),
    "hebrew": re.compile(r"[\u05d0-\u05ea]+"),
    "arabic": re.compile(r"[\u0620-\u064a\u066e-\u06d3]+"),
    "latin": re.compile(r"[A-Za-z\u00c0-\u024f]+"),
}

# Letters only Ukrainian uses (і ї є ґ) against letters only Russian uses (ы э ъ ё).
_UKRAINIAN_LETTERS = re.compile(r"[іїєґ]", re.IGNORECASE)
_RUSSIAN_LETTERS = re.compile(r"[ыэъё]", re.IGNORECASE)

# The script each language is written in, to catch a template that declares lang="en" on
# every page, Russian ones included. Languages missing here are never contradicted.
_LANGUAGE_SCRIPT = {
    **dict.fromkeys(("ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "mn", "tg"), "cyrillic"),
    **dict.fromkeys(("he", "yi"), "hebrew"),
    **dict.fromkeys(("ar", "fa", "ur", "ps"), "arabic"),
    **dict.fromkeys(
        "en de fr es it pt nl pl cs sv da no fi ro hu tr id ms lt lv et sk sl hr".split(), "latin"
    ),
}

# Deprecated and three-letter codes pages still use.
_ALIASES = {
    "iw": "he",
    "ji": "yi",
    "in": "id",
    "heb": "he",
    "rus": "ru",
    "ukr": "uk",
    "eng": "en",
    "ara": "ar",
    "deu": "de",
    "fra": "fr",
}

# A few frequent words that are (nearly) unique to each language; the first language in
# this dict wins a tie, which is why English comes first.
_STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and of to is that was with for said his have from are this".split()),
    "de": frozenset("der die und das nicht ist mit den von sich auch dem wurde eine".split()),
    "fr": frozenset("le les des et est une du pour dans pas sur qui au été".split()),
    "es": frozenset("el los las y por con del se su como fue al más".split()),
    "it": frozenset("il che di della gli sono non nel alla è anche dei".split()),
    "pt": frozenset("não uma com os para do da em ao foi pelo são".split()),
    "nl": frozenset("het een van niet dat zijn met voor ook werd naar".split()),
    "pl": frozenset("się nie jest że na do jak przez oraz został".split()),
}


def _stop_index() -> dict[str, tuple[str, ...]]:
    # word -> the languages it is a stop word of, so each word of the text is looked up once
    index: dict[str, tuple[str, ...]] = {}
    for language, words in _STOP_WORDS.items():
        for word in words:
            index[word] = (*index.get(word, ()), language)
    return index


_STOP_INDEX = _stop_index()
_WORD = re.compile(r"[^\W\d_]+")
# Fewer stop-word hits than this and the text has not told us which Latin language it is.
_MIN_STOP_WORDS = 2


def normalise_language(code: str | None) -> str | None:
    """Two-letter ISO 639-1 code from a tag such as "ru-RU", "he_IL" or "en, ru"; else None."""
    if not code:
        return None
    first = code.split(",")[0].strip().lower().replace("_", "-")
    primary = first.split("-")[0]
    primary = _ALIASES.get(primary, primary)
    if len(primary) == 2 and primary.isascii() and primary.isalpha():
        return primary
    return None


def _dominant_script(sample: str) -> str | None:
    counts = {name: sum(map(len, pattern.findall(sample))) for name, pattern in _SCRIPTS.items()}
    script, count = max(counts.items(), key=lambda item: item[1])
    return script if count else None


def _latin_language(sample: str) -> str | None:
    hits: Counter[str] = Counter()
    for word in _WORD.findall(sample.lower()):
        hits.update(_STOP_INDEX.get(word, ()))
    if not hits:
        return None
    # max() keeps the first of equal counts, and _STOP_WORDS is ordered with English first
    best = max(_STOP_WORDS, key=lambda language: hits[language])
    return best if hits[best] >= _MIN_STOP_WORDS else None


def _guess_from_text(sample: str, hint: str | None) -> str | None:
    script = _dominant_script(sample)
    if script == "cyrillic":
        ukrainian = len(_UKRAINIAN_LETTERS.findall(sample))
        russian = len(_RUSSIAN_LETTERS.findall(sample))
        return "uk" if ukrainian > 2 * russian and ukrainian >= 3 else "ru"
    if script == "hebrew":
        return "he"
    if script == "arabic":
        return "ar"
    if script == "latin":
        found = _latin_language(sample)
        if found:
            return found
        # Latin letters but no telling stop words: a Latin-script hint is better than a guess
        return hint if hint and _LANGUAGE_SCRIPT.get(hint) == "latin" else "en"
    return None


def guess_language(text: str, html_lang: str | None = None, hint: str | None = None) -> str | None:
    """The language of an article: declared by the page, else guessed from the text.

    `html_lang` is what the page declares (<html lang>, og:locale, content-language) and
    wins unless the text is plainly in another script; `hint` (the source's configured
    language) is used only when the text tells nothing: no letters at all, or Latin letters
    without the stop words of a language we know (then only a Latin-script hint counts).
    """
    declared = normalise_language(html_lang)
    hint = normalise_language(hint)
    sample = text[:_SAMPLE_CHARS]
    if declared:
        declared_script = _LANGUAGE_SCRIPT.get(declared)
        if declared_script is None:
            return declared
        text_script = _dominant_script(sample)
        if text_script is None or declared_script == text_script:
            return declared
    guessed = _guess_from_text(sample, hint)
    return guessed or hint
