"""Bio and post text into terms: tokenising, stop words for the main languages, and a language guess.

A text is lowercased and split at spaces into raw tokens; each distinct raw token is then cut into units:

    word      letters and digits, inner `-` `'` `.` kept ("open-source", "node.js"); at least 2 characters
              and at least one letter; Japanese/Chinese/Korean runs are cut where the script changes
              (kanji / katakana / hangul / latin) and hiragana runs are dropped (mostly particles)
    hashtag   `#` and a word ("#python" -> `python`)
    emoji     one emoji, flag or ZWJ sequence; variation selectors and skin tones are dropped so 💪🏽 and
              💪 count together
    break     everything else: punctuation, URLs, @mentions, numbers, 1-letter words, stop words

Stop words are the `stop-words` package lists for `STOP_LANGUAGES`, minus `_CONTENT_WORDS` (words its long
English list calls stop words but that name a topic in a bio, such as "web", "ai", "dj", "open").
A phrase is two words next to each other with no break between them ("software engineer").

The language guess scores each text: a stop word adds 1 split evenly between the languages whose list has
it ("de" gives es, fr, pt, nl a quarter each), a kana/hangul/Cyrillic/Arabic/... unit adds 1 to its
language (a kanji-only unit adds 0.5 to zh), and letters such as ñ, ã, ß, è add 0.5 to theirs. The best
score wins; no score or a tie leaves the text unguessed.

Everything here works on one raw token at a time, so SQL callers split millions of texts in DuckDB and
classify only the distinct tokens in Python (`classify`), once per process (`functools.cache`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from stop_words import get_stop_words

WORD = "word"
HASHTAG = "hashtag"
EMOJI = "emoji"
PHRASE = "phrase"

# The lists whose stop words are removed; their languages (and a few told by script) are what the guess names.
STOP_LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl", "ja", "ru", "ko", "zh", "ar")
LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "pt": "Portuguese",
    "it": "Italian",
    "nl": "Dutch",
    "ja": "Japanese",
    "ru": "Russian",
    "ko": "Korean",
    "zh": "Chinese",
    "ar": "Arabic",
    "he": "Hebrew",
    "el": "Greek",
    "th": "Thai",
    "hi": "Hindi",
    "uk": "Ukrainian",
}
# Topic words the long English list counts as stop words; a bio's topic is exactly what we are after.
_CONTENT_WORDS = frozenset(
    "web website world home free open computer microsoft research system test text dj tv ai ml pro novel "
    "young value fire information state run buy".split()
)

# Post noise the lists miss: the retweet marker and the HTML entity of "&".
_EXTRA_STOP_WORDS = frozenset({"rt", "amp", "gt", "lt"})

_URL = re.compile(r"^(?:https?:|www\.)|://")
_DOMAIN = re.compile(r"\.(?:com|org|net|io|dev|co|me|app|ai|ly|gg|tv|xyz|info|so|link|site|page)$")
_VARIATION = re.compile("[\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]")
# One emoji: a flag (two regional indicators) or a pictograph with optional selector/skin tone, joined
# to further pictographs by zero-width joiners.
_PICTO = (
    "\U0001f000-\U0001f1e5\U0001f200-\U0001f3fa\U0001f400-\U0001faff"
    "\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\u20bf"
)
_EMOJI_SEQUENCE = (
    f"[\U0001f1e6-\U0001f1ff]{{2}}"
    f"|[{_PICTO}][\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]*(?:\u200d[{_PICTO}][\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]*)*"
)
# Letters, digits and marks (Devanagari, Thai and Japanese need their combining marks).
_W = r"[^\W_]|[\u0300-\u036f\u0900-\u097f\u0e00-\u0e7f\u3099-\u309c]"
_WORD_CORE = rf"(?:{_W})+(?:[-'’.](?:{_W})+)*"
_UNIT = re.compile(
    rf"(?P<emoji>{_EMOJI_SEQUENCE})|(?P<tag>[#＃]{_WORD_CORE})|(?P<at>@\w+)|(?P<word>{_WORD_CORE})"
)

# Scripts, for cutting CJK runs and for the language guess.
_CJK_RUN = re.compile(
    "(?P<hiragana>[\u3040-\u309f]+)|(?P<katakana>[\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]+)"
    "|(?P<han>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々]+)|(?P<hangul>[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]+)"
    "|(?P<other>[^\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々"
    "\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]+)"
)
_HAS_CJK = re.compile(
    "[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]"
)
_SCRIPT_LANGUAGE = (
    (re.compile("[\u3040-\u30ff\u31f0-\u31ff]"), "ja", 1.0),
    (re.compile("[\uac00-\ud7af\u1100-\u11ff]"), "ko", 1.0),
    (re.compile("[\u0600-\u06ff]"), "ar", 1.0),
    (re.compile("[\u0590-\u05ff]"), "he", 1.0),
    (re.compile("[\u0370-\u03ff]"), "el", 1.0),
    (re.compile("[\u0e00-\u0e7f]"), "th", 1.0),
    (re.compile("[\u0900-\u097f]"), "hi", 1.0),
    (re.compile("[\u0400-\u04ff]"), "ru", 0.5),  # Cyrillic without a stop word: most likely Russian
)
_HAN_ONLY = re.compile("^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々]+$")
# Letters that hint at a Latin-script language, and who shares them.
_LETTER_CUES = {
    "ñ": ("es",),
    "ã": ("pt",),
    "õ": ("pt",),
    "ç": ("fr", "pt"),
    "ß": ("de",),
    "ä": ("de",),
    "ö": ("de",),
    "ü": ("de",),
    "è": ("fr", "it"),
    "ù": ("fr",),
    "œ": ("fr",),
    "ë": ("fr", "nl"),
    "ï": ("fr",),
    "ê": ("fr", "pt"),
    "â": ("fr", "pt"),
    "ô": ("fr", "pt"),
    "ì": ("it",),
    "ò": ("it",),
    "á": ("es", "pt"),
    "í": ("es", "pt"),
    "ó": ("es", "pt"),
    "ú": ("es", "pt"),
    "é": ("es", "fr", "pt"),
}
_CUE_WEIGHT = 0.5


@dataclass(frozen=True)
class Unit:
    """One piece of a raw token: a term (`kind` word/hashtag/emoji) or a break (`kind` None)."""

    text: str
    kind: str | None


@dataclass(frozen=True)
class Classified:
    """What one raw token holds: its units in order, and its language votes."""

    units: tuple[Unit, ...]
    votes: tuple[tuple[str, float], ...]

    @property
    def terms(self) -> list[tuple[str, str]]:
        """(text, kind) of every term, in order, repeats kept."""
        return [(u.text, u.kind) for u in self.units if u.kind is not None]

    @property
    def head(self) -> str | None:
        """The word the token starts with, when a phrase may run into it from the token before."""
        first = self.units[0] if self.units else None
        return first.text if first is not None and first.kind == WORD else None

    @property
    def tail(self) -> str | None:
        """The word the token ends with, when a phrase may run from it into the next token."""
        last = self.units[-1] if self.units else None
        return last.text if last is not None and last.kind == WORD else None

    @property
    def inner_phrases(self) -> list[str]:
        """Phrases wholly inside the token ("she/her" has none; "word-word" is one word)."""
        return [
            f"{a.text} {b.text}"
            for a, b in zip(self.units, self.units[1:], strict=False)
            if a.kind == WORD and b.kind == WORD
        ]


@functools.cache
def _stop_lists() -> dict[str, frozenset[str]]:
    return {lang: frozenset(w.lower() for w in get_stop_words(lang)) for lang in STOP_LANGUAGES}


@functools.cache
def stop_words() -> frozenset[str]:
    """Every stop word removed from terms (all `STOP_LANGUAGES` lists, minus the content words)."""
    return (frozenset().union(*_stop_lists().values()) | _EXTRA_STOP_WORDS) - _CONTENT_WORDS


@functools.cache
def _stop_votes() -> dict[str, tuple[tuple[str, float], ...]]:
    owners: dict[str, list[str]] = {}
    for lang, words in _stop_lists().items():
        for word in words:
            owners.setdefault(word, []).append(lang)
    return {word: tuple((lang, 1 / len(langs)) for lang in langs) for word, langs in owners.items()}


def is_stop_word(word: str) -> bool:
    return word.lower() in stop_words()


_BREAK = Unit("", None)


@functools.cache
def classify(raw: str) -> Classified:
    """Cut one lowercased raw token (text between spaces) into units, with its language votes."""
    text = unicodedata.normalize("NFC", raw)
    if not text or _URL.search(text):
        return Classified((_BREAK,), ())
    units: list[Unit] = []
    votes: dict[str, float] = {}
    position = 0
    for match in _UNIT.finditer(text):
        if match.start() > position:  # punctuation or other symbols between units
            units.append(_BREAK)
        position = match.end()
        kind = match.lastgroup
        piece = match.group()
        if kind == "emoji":
            units.append(Unit(_VARIATION.sub("", piece), EMOJI))
        elif kind == "tag":
            tag = piece[1:].lower()
            _vote_letters(tag, votes)
            units.append(Unit(tag, HASHTAG) if _has_letter(tag) else _BREAK)
        elif kind == "at":
            units.append(_BREAK)
        else:
            units.extend(_word_units(piece.lower(), votes))
    if position < len(text):
        units.append(_BREAK)
    return Classified(tuple(_squeeze(units)), tuple(sorted(votes.items())))


def _word_units(word: str, votes: dict[str, float]) -> list[Unit]:
    if _HAS_CJK.search(word):
        return _cjk_units(word, votes)
    _vote_letters(word, votes)
    if _DOMAIN.search(word):
        return [_BREAK]  # a bare domain ("example.com") is a link, not a word
    if word in _CONTENT_WORDS:
        return [Unit(word, WORD)]
    stop = _stop_votes().get(word)
    if stop is not None:
        for lang, weight in stop:
            votes[lang] = votes.get(lang, 0.0) + weight
        return [_BREAK]
    if word in _EXTRA_STOP_WORDS:
        return [_BREAK]
    if len(word) < 2 or not _has_letter(word):
        return [_BREAK]
    return [Unit(word, WORD)]


def _cjk_units(word: str, votes: dict[str, float]) -> list[Unit]:
    units: list[Unit] = []
    for match in _CJK_RUN.finditer(word):
        kind, run = match.lastgroup, match.group()
        if kind == "other":
            units.extend(_word_units(run.strip("-'’."), votes) if run.strip("-'’.") else [_BREAK])
            continue
        for pattern, lang, weight in _SCRIPT_LANGUAGE:
            if pattern.search(run):
                votes[lang] = votes.get(lang, 0.0) + weight
        if kind == "han" and _HAN_ONLY.match(run) and not _has_kana(word):
            votes["zh"] = votes.get("zh", 0.0) + 0.5
        if kind == "hiragana":
            units.append(_BREAK)  # particles and endings: no dictionary here to tell words from them
            continue
        stop = _stop_votes().get(run)
        if stop is not None:
            for lang, weight in stop:
                votes[lang] = votes.get(lang, 0.0) + weight
        # A new script is a new unit, so "webエンジニア" gives "web" and "エンジニア" but no phrase.
        units.append(_BREAK)
        units.append(Unit(run, WORD) if len(run) >= 2 and stop is None else _BREAK)
    return units


def _has_kana(word: str) -> bool:
    return bool(re.search("[\u3040-\u30ff]", word))


def _vote_letters(word: str, votes: dict[str, float]) -> None:
    for pattern, lang, weight in _SCRIPT_LANGUAGE:
        if pattern.search(word):
            votes[lang] = votes.get(lang, 0.0) + weight
    for letter in set(word) & _LETTER_CUES.keys():
        langs = _LETTER_CUES[letter]
        for lang in langs:
            votes[lang] = votes.get(lang, 0.0) + _CUE_WEIGHT / len(langs)


def _has_letter(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def _squeeze(units: Iterable[Unit]) -> list[Unit]:
    """Drop repeated breaks (and breaks at either end only when the token has terms)."""
    out: list[Unit] = []
    for unit in units:
        if unit.kind is None and out and out[-1].kind is None:
            continue
        out.append(unit)
    return out or [_BREAK]


def raw_tokens(text: str) -> list[str]:
    """How SQL splits a text: lowercased, at single spaces (other whitespace stays inside tokens)."""
    return text.lower().split(" ")


@dataclass(frozen=True)
class TextTerms:
    """The terms of one text, each once, in first-seen order."""

    words: list[str]
    phrases: list[str]
    hashtags: list[str]
    emoji: list[str]
    language: str | None


def text_terms(text: str) -> TextTerms:
    """Split one text exactly as the SQL pipeline does; for callers with a handful of texts, and tests."""
    found: dict[str, dict[str, None]] = {WORD: {}, PHRASE: {}, HASHTAG: {}, EMOJI: {}}
    votes: dict[str, float] = {}
    previous: Classified | None = None
    for raw in raw_tokens(text):
        item = classify(raw)
        for term, kind in item.terms:
            found[kind][term] = None
        for phrase in item.inner_phrases:
            found[PHRASE][phrase] = None
        if previous is not None and previous.tail and item.head:
            found[PHRASE][f"{previous.tail} {item.head}"] = None
        for lang, weight in item.votes:
            votes[lang] = votes.get(lang, 0.0) + weight
        previous = item
    return TextTerms(
        words=list(found[WORD]),
        phrases=list(found[PHRASE]),
        hashtags=list(found[HASHTAG]),
        emoji=list(found[EMOJI]),
        language=pick_language(votes),
    )


def pick_language(votes: dict[str, float]) -> str | None:
    """The language with the highest score; None when there is none or two share the top."""
    if not votes:
        return None
    ranked = sorted(votes.items(), key=lambda item: -item[1])
    if ranked[0][1] <= 0 or (len(ranked) > 1 and abs(ranked[0][1] - ranked[1][1]) < 1e-9):
        return None
    return ranked[0][0]


def guess_language(text: str) -> str | None:
    """The language of one text (a code from `LANGUAGE_NAMES`), or None when it cannot be told."""
    return text_terms(text).language
