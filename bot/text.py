"""Text normalisation shared by search, skills and the privacy check."""

from __future__ import annotations

import re
import unicodedata

# Arabic diacritics (tashkeel), Quranic marks and the superscript alef.
_TASHKEEL = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
_LETTERS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        # Arabic-Indic and Extended (Persian) digits.
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
    }
)
# Bidi controls and zero-width characters that change nothing a reader sees.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u061c]")
_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s+#.]|_")


def normalize_arabic(text: str) -> str:
    """Strip tashkeel and tatweel, unify alef/yaa/taa marbuta forms and digits."""
    text = _TASHKEEL.sub("", text).replace(_TATWEEL, "")
    return text.translate(_LETTERS)


def normalize_text(text: str) -> str:
    """Return text as it is compared and searched: NFKC, casefolded, Arabic-normalised."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = normalize_arabic(text).casefold()
    return _SPACES.sub(" ", text).strip()


def normalize_key(text: str) -> str:
    """Return a compact key: normalised text without punctuation (keeps + # . as in C++, C#, .NET)."""
    text = _PUNCT.sub(" ", normalize_text(text))
    text = text.strip(" .")
    return _SPACES.sub(" ", text).strip()


def clip(text: str, limit: int) -> str:
    """Cut text to at most `limit` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def isolate(text: str) -> str:
    """Wrap text in a Unicode first-strong isolate so mixed Arabic/Latin keeps its order."""
    return f"\u2068{text}\u2069"


# Member text shown by the bot (`literal`): what Discord would read as a mention or as markdown.
_ZWSP = "\u200b"
# `<@1>`, `<@!1>`, `<@&1>`, `<#1>`, `</cmd:1>`: a zero-width space after `<` leaves only text.
_MENTION_TAG = re.compile(r"<(?=[@#/])")
# `@everyone` / `@here`, written anywhere (Discord matches them inside words too).
_MASS_MENTION = re.compile(r"@(?=everyone|here)", re.IGNORECASE)
# Plain links stay visible and clickable, so they are kept as typed; they stop at anything that
# could open markup, so a masked link never hides inside one.
_URL = re.compile(r"https?://[^\s<>\[\]()|*`\\]+")
_MARKUP = re.compile(r"[\\*_~|`>#\-\[\]()]")
# An ordered-list marker ("1." or "1)") at the start of a line.
_LIST_NUMBER = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)
# A bullet ("+ item"); "-" and "*" are escaped everywhere already.
_LIST_PLUS = re.compile(r"^(\s*)\+", re.MULTILINE)


def _escape_markup(text: str) -> str:
    text = _MARKUP.sub(lambda m: "\\" + m.group(0), text)
    text = _LIST_NUMBER.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", text)
    return _LIST_PLUS.sub(lambda m: f"{m.group(1)}\\+", text)


def literal(text: str) -> str:
    """Return member text as Discord will show it word for word: no mention, masked link or formatting.

    Markdown characters are backslash-escaped (Discord drops the backslash when rendering), links are
    kept as plain visible URLs, and mentions (`<@…>`, `<@&…>`, `<#…>`, `@everyone`, `@here`) get a
    zero-width space that leaves them as text. Use it on every piece of member-written text the bot
    puts in a message or an embed's description, title or field — not in footers, thread names,
    button labels or autocomplete choices, which Discord shows without markdown.
    """
    text = _MASS_MENTION.sub("@" + _ZWSP, _MENTION_TAG.sub("<" + _ZWSP, text))
    parts: list[str] = []
    position = 0
    for url in _URL.finditer(text):
        parts.append(_escape_markup(text[position : url.start()]))
        parts.append(url.group(0))
        position = url.end()
    parts.append(_escape_markup(text[position:]))
    return "".join(parts)


_BREAKS = ("\n\n", "\n", " ")


def literal_parts(text: str, limit: int, first: int | None = None) -> list[str]:
    """Cut member text into pieces of at most `limit` characters each once literal, and make each literal.

    The raw text is cut, never the escaped text: a cut cannot land between a backslash and what it
    escapes, and each piece is escaped as the start of a line, which it is in its own message. Cuts fall
    at a paragraph, line or word break when one lies in the second half of the room. `first`, when
    given, is the room left for the first piece (what follows a heading in the same message); when not
    one character fits there, the first piece is empty.
    """
    parts: list[str] = []
    rest = text.strip()
    room = limit if first is None else first
    while rest:
        shown = literal(rest)
        if len(shown) <= room:
            parts.append(shown)
            break
        cut = _cut(rest, room)
        if cut == 0 and room < limit:  # not even one character fits after what came first
            parts.append("")
            room = limit
            continue
        cut = max(cut, 1)
        parts.append(literal(rest[:cut].rstrip()))
        rest = rest[cut:].lstrip()
        room = limit
    return parts


def _cut(text: str, room: int) -> int:
    """Return where to cut `text` so the part before it, made literal, fits in `room` (at least one character)."""

    def fits(cut: int) -> bool:
        return len(literal(text[:cut].rstrip())) <= room

    low, high = 1, min(room, len(text))  # escaping never shortens text
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    hard = low
    if not fits(hard):
        return 0
    for brk in _BREAKS:
        at = text.rfind(brk, 0, hard + 1)
        if at >= hard // 2 and at > 0 and fits(at):
            return at
    return hard
