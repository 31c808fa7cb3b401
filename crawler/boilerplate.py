"""Drops the site chrome and calls to action that survive article extraction.

trafilatura keeps whatever sits inside the article container, and publishers put their
subscription pitches, "read also" links and footers there. This module removes those
lines (in English, Russian and Hebrew) from extracted text, one line per paragraph.

It has to be careful: the words these pitches use ("subscribe", "newsletter", "share")
also occur in news. A line is dropped only when it is short and the call to action is
what it is about; a factual sentence that merely contains the word is kept.
"""

from __future__ import annotations

import re

__all__ = ["is_call_to_action", "strip_calls_to_action"]

# A pitch or notice is a line or two; a line longer than this is an article sentence that
# happens to use the vocabulary, so only _CHROME_LINE (which must match all of it) applies.
MAX_CTA_WORDS = 25

# A price line ("Only $100 per year.") is tiny; a longer line with an amount and a period is
# usually news ("the tariff rose to $5 per month for pensioners"), unless it is selling.
_MAX_BARE_PRICE_WORDS = 6

# The whole line is a button, menu entry or section label and nothing else. Anchored at
# both ends, so a sentence that starts or ends with one of these words never matches.
# Leading/trailing punctuation, arrows and bullets are allowed, and a count ("Comments (12)").
_CHROME_LINE = re.compile(
    r"""^[\W_]*(?:
        # English
        subscribe(?:\s+(?:now|today|here))?
      | sign\s+(?:up|in)(?:\s+(?:now|today|here|for\s+free))?
      | log\s*in | register | newsletters?
      | read\s+more | read\s+also | see\s+also | continue\s+reading
      | read\s+(?:the\s+)?full\s+(?:story|article)
      | (?:more\s+)?related(?:\s+(?:articles?|stories|news|content|coverage|topics|posts))?
      | more\s+on\s+this\s+(?:story|topic)
      | most\s+(?:read|popular|viewed|shared) | trending(?:\s+now)? | recommended(?:\s+for\s+you)?
      | you\s+(?:may|might)\s+also\s+like | editor'?s\s+picks
      | back\s+to\s+top | skip\s+to\s+(?:the\s+)?(?:main\s+)?(?:content|navigation|menu)
      | share(?:\s+(?:this|the))?(?:\s+(?:article|story|page|post))?(?:\s+on\s+\w+)?
      | tweet | print(?:\s+(?:this\s+)?(?:article|story|page))? | e-?mail | copy\s+link
      | (?:order\s+)?reprints? | tags? | topics
      | (?:show|view|leave\s+a|add\s+a|post\s+a)\s+comments? | comments?
      | advertisement | advertising | sponsored(?:\s+content)?
      | scroll\s+to\s+continue(?:\s+with\s+content)?
      | accept(?:\s+all)?(?:\s+cookies)? | reject\s+all
      | (?:manage\s+)?(?:cookie\s+)?(?:settings|preferences)
      | privacy\s+policy | terms\s+(?:of\s+(?:use|service)|and\s+conditions)
      | contact\s+us | about\s+us | cancel\s+any\s?time
        # Russian
      | подписаться | подпишитесь | подписывайтесь
      | читайте\s+(?:также|нас) | читать\s+(?:далее|полностью|также) | подробнее | наверх
      | реклама | на\s+правах\s+рекламы | поделиться | комментарии | войти | регистрация
      | (?:похожие|другие|последние|главные)\s+(?:новости|материалы|статьи|публикации)
      | (?:новости|материалы|статьи)\s+по\s+теме | по\s+теме
      | перейти\s+к\s+(?:основному\s+)?(?:содержанию|контенту|материалу)
        # Hebrew (no \b: prefixes such as ו and ל attach to the word)
      | הירשמו(?:\s+עכשיו)? | הרשמה | התחברות
      | ל?כתבות\s+(?:נוספות|קשורות) | קרא(?:ו)?\s+עוד | לקריאה\s+נוספת | עוד\s+באותו\s+נושא
      | חזרה\s+למעלה | שתפו | שתף | פרסומת | מודעה | תגובות
      | דלג(?:ו)?\s+ל(?:תוכן|תפריט)(?:\s+ה?ראשי)?
    )[\W_]*(?:\d+[\W_]*)?$""",
    re.IGNORECASE | re.VERBOSE,
)

# Phrases that make a short line a pitch or notice wherever they sit in it. Each needs more
# than the bare keyword, usually the part addressed to the reader ("our", "you", an
# imperative): "would not subscribe to the declaration" is news, "subscribe to our" is not.
_PITCH = re.compile(
    r"""
    # English: subscribing and signing up, always addressed to the reader
      \b(?:subscribe|sign\s+up)\s+(?:now|today|here|for\s+free)\b
    | ^[\W_]*(?:subscribe|sign\s+up|register|join|become|download|unlock|don['’]?t\s+miss)\b
      .*\b(?:our|your|you|us|free|unlimited|access|newsletters?|inbox|trial
             |member(?:s|ship)?|premium|subscri\w*)\b
    | \bsubscri\w*\s+(?:\w+\s+){0,2}?(?:our|your)\b | \b(?:our|your)\s+(?:\w+\s+)?subscri\w*
    | \bsubscribe\s+(?:to|for)\s+(?:our|the)\s+
      (?:newsletter|podcast|channel|daily|weekly|morning|evening)\b
    | \bnewsletters?\b.*\b(?:sign\s+up|subscribe|inbox|our|your|you|free|delivered)\b
    | \b(?:sign\s+up|our|your|free)\b.*\bnewsletters?\b
    | ^[\W_]*(?:[\w'’&-]+\s+){0,4}newsletters?[\W_]*$   # a newsletter's name as a label
    | \balready\s+(?:a\s+)?(?:subscriber|member|registered)\b | \bsubscribers?\s+only\b
    | \bto\s+continue\s+reading\b
    | \b(?:unlimited|full|premium|exclusive|ad-free)\s+access\b
    # the membership pitch: "join our community of 40,000 readers"
    | \bcommunity\s+of\b.{0,40}\breaders\b | \bjoin\s+(?:our|the)\s+community\b
    # the pitch heading: "the analysis you can trust", "news you rely on"
    | \b(?:news|analysis|journalism|reporting|coverage|insights?)\b.{0,40}
      \byou\s+(?:can\s+)?(?:trust|rely\s+on|count\s+on|need)\b
    | \bsupport\s+(?:our|independent|quality)\s+journalism\b
    # consent banners
    | \b(?:we|this\s+(?:web)?site)\s+uses?\s+cookies\b
    | \bcookies?\b.{0,80}
      \b(?:consent|accept|agree|preferences|settings|policy|browsing|experience)\b
    # footers and social links
    | \ball\s+rights\s+reserved\b | ©\s*\d{4} | \bcopyright\s+©?\s*\d{4}\b
    | \bfollow\s+us\s+(?:on|in|at)\b
    | \bdownload\s+(?:our|the)\s+(?:free\s+)?app\b
    | \b(?:download|get)\b.{0,30}\b(?:app\s+store|google\s+play)\b
    | \b(?:click|tap)\s+here\b
    | \bshare\s+(?:this\s+(?:article|story|page|post)
                 |on\s+(?:facebook|twitter|x|whatsapp|telegram|linkedin|email))\b
    # link teasers: "Read more: How Moscow balances its Middle East ties"
    | ^[\W_]*(?:read\s+(?:more|also)|see\s+also|related|more\s+on\s+this)\s*[:：—–-]
    | ^[\W_]*advertisement\b.{0,20}\bscroll\b
    | \b(?:please\s+)?enable\s+javascript\b | \bjavascript\s+is\s+(?:disabled|required)\b
    # reprint and contact notices, error boxes, sharing pleas, "Also on <site>" teasers
    | \bthis\s+copy\s+is\s+for\s+your\s+personal\b | ^[\W_]*write\s+to\b.{0,60}@
    | \ban\s+error\s+(?:has\s+)?occurred\b.{0,30}\btry\s+again\b
    | \blike\s+this\s+(?:story|article)\b | \bshare\s+it\s+with\s+a\s+friend\b
    | ^[\W_]*also\s+on\s+[\w.-]+\.(?:com|org|net|ru|co)\b
    | ^[\W_]*tags?\s*[:：]
    | \bpublicado\s+por\b.{0,80}\bcategoria\b
    # Russian. "подписали соглашение" (signed an agreement) must not match, so only the
    # imperative and "подписаться на" + a channel are used.
    | \bподпи(?:сывайтесь|шитесь|шись|сывайся)\b
    | \bподписаться\s+на\s+
      (?:наш\w*|канал\w*|рассылк\w*|новост\w*|обновлени\w*|telegram|телеграм\w*)
    | \bнаш\w*\s+(?:рассылк\w*|канал\w*|telegram|телеграм\w*)
    | \b(?:использу\w+|применя\w+)\s+(?:файлы\s+)?(?:cookie|куки)
    | \b(?:cookie|куки)\b.{0,60}\b(?:соглас\w*|использовани\w*|политик\w*)
    | \bвсе\s+права\s+(?:защищены|сохранены)\b
    | \bследите\s+за\s+(?:нами|новостями)\b
    | \bмы\s+в\s+(?:telegram|телеграм\w*|vk|вконтакте|соцсетях|дзен\w*)\b
    | \bскачайте\b.{0,30}\bприложени\w*
    # the reprint notice: "при использовании материалов ссылка на сайт обязательна"
    | \bпри\s+(?:использовании|цитировании|перепечатке|копировании)\b.{0,80}
      \bссылк\w+\b.{0,40}\bобязательн\w*
    | ^[\W_]*(?:читайте\s+также|подробнее|по\s+теме)\s*[:—–-]
    | \bвключите\s+javascript\b
    # Hebrew. "הצטרפו" alone is also past tense ("they joined"), so it needs its object.
    | הירשמו | ניוזלטר | הצטרפו\s+(?:אלינו|לקהילה|לערוץ|לניוזלטר)
    | (?:משתמש\w*|נעשה\s+שימוש)\s+ב(?:עוגיות|קבצי\s+(?:cookies|עוגיות)|cookies)
    | עוגיות | עקבו\s+אחרינו | הורידו\s+את\s+האפליקציה | כל\s+הזכויות\s+שמורות
    | ^[\W_]*(?:לכתבות\s+נוספות|קראו\s+עוד|לקריאה\s+נוספת)\s*[:—–-]
    """,
    re.IGNORECASE | re.VERBOSE,
)

# Every _PITCH alternative contains one of these stems (in the lower-cased line with its
# whitespace collapsed). Python's re tries all ~50 alternatives of _PITCH at every position
# of a line, about 70 µs a line; this literal search rules out most article lines in ~2 µs.
_PITCH_STEMS = re.compile(
    "|".join(
        re.escape(stem)
        for stem in (
            "subscri|sign up|regist|join|become|download|unlock|miss|newsletter|already|"
            "continue reading|access|communit|trust|rely on|count on|you need|journalism|"
            "cookie|reserved|©|copyright|follow us|app store|google play|click here|tap here|"
            "share |read more|read also|see also|related|more on this|advertisement|javascript|"
            "подпи|рассылк|канал|telegram|телеграм|куки|права|следите|мы в |скачайте|"
            "обязательн|читайте|подробнее|по теме|this copy|write to|an error|like this|"
            "with a friend|also on|tag|publicado|"
            "הירשמו|ניוזלטר|הצטרפו|עוגיות|עקבו|הורידו|הזכויות|לכתבות|קראו|לקריאה"
        ).split("|")
    )
)

# A subscription price: a small amount (no "billion") in a currency, then a billing period.
# The amount must be whole: "$40.5 billion" may not match as "$4" followed by something.
_PRICE = re.compile(
    r"""
    (?:[$€£₪₽]\s?\d{1,3}(?:[ ,.\u00a0]\d{3})*(?:[.,]\d{1,2})?(?![.,]?\d)
      | \b\d{1,3}(?:[ ,.\u00a0]\d{3})*(?:[.,]\d{1,2})?(?![.,]?\d)\s?
        (?:[$€£₪₽]
          |(?:usd|eur|gbp|nis|руб\w*|р\.|долл\w*|евро|dollars?|euros?|pounds?
             |ש"ח|ש״ח|שקלים|שקל)(?!\w))
    )
    (?!\s?(?:bn|billion|million|m\b|k\b|thousand|trillion|млрд|млн|тыс|מיליון|מיליארד|אלף))
    .{0,20}?
    (?:(?:\bper|\ba|\ban|\beach|\bevery|/)\s*(?:year|yr|annum|month|mo|week|day)\b
      | \b(?:annually|yearly|monthly|weekly)\b
      | \bв\s+(?:год|месяц|неделю|день)\b | /\s*(?:год|мес)
      | (?:ל|ב)(?:שנה|חודש)
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)
# What makes a longer price line a sales pitch rather than a fact.
_PRICE_CUE = re.compile(
    r"\b(?:only|just|from|subscri\w*|cancel\w*|trial|offer|save|access|billed"
    r"|member(?:s|ship)?|plan)\b"
    r"|\b(?:всего|лишь|подписк\w*)\b|רק|מינוי|בלבד",
    re.IGNORECASE,
)

# Short headings and labels without sentence punctuation: inside a trailing block of calls
# to action they are the block's headings ("Our best offer"), not the end of the article.
_MAX_FRAGMENT_WORDS = 8
_SENTENCE_END = re.compile(r"""[.!?…:;»"”')\]]\s*$""")


def is_call_to_action(line: str) -> bool:
    """True when the line is site chrome or a call to action rather than article text."""
    line = line.strip()
    if not line:
        return False
    if _CHROME_LINE.match(line):
        return True
    words = line.split()
    if len(words) > MAX_CTA_WORDS:
        return False
    folded = " ".join(words).lower()
    if _PITCH_STEMS.search(folded) and _PITCH.search(folded):
        return True
    if _PRICE.search(line):
        return len(words) <= _MAX_BARE_PRICE_WORDS or bool(_PRICE_CUE.search(line))
    return False


def _is_fragment(line: str) -> bool:
    return len(line.split()) <= _MAX_FRAGMENT_WORDS and not _SENTENCE_END.search(line)


def strip_calls_to_action(text: str) -> str:
    """The text without its call-to-action and chrome lines, blank lines dropped.

    Lines are paragraphs (trafilatura joins them with "\\n"). Besides every line that is a
    call to action, the trailing block at the end of the text goes too: the run of calls to
    action and the short headings between them, which is how pitch boxes and footers look.
    """
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    flags = [is_call_to_action(line) for line in lines]

    # Walk back from the end over calls to action and heading-like fragments; if that run
    # holds at least one call to action, it is the page's closing chrome and all of it goes.
    end = len(lines)
    start = end
    while start > 0 and (flags[start - 1] or _is_fragment(lines[start - 1])):
        start -= 1
    if any(flags[start:end]):
        lines, flags = lines[:start], flags[:start]

    return "\n".join(line for line, cta in zip(lines, flags, strict=True) if not cta)
