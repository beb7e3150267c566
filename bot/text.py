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
