"""Client-privacy check: find client details in a post before it is shared, and mask them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import phonenumbers
import tldextract
from stdnum import iban, luhn

from bot.text import normalize_text

__all__ = [
    "DEFAULT_REGIONS",
    "Finding",
    "FindingKind",
    "mask_findings",
    "parse_client_list",
    "registrable_name",
    "scan_for_client_details",
]


class FindingKind(StrEnum):
    """What sort of client detail a finding is."""

    EMAIL = "email"
    PHONE = "phone"
    URL = "url"
    IBAN = "iban"
    CARD = "card"
    HANDLE = "handle"
    CLIENT = "client"


@dataclass(frozen=True)
class Finding:
    """One client detail found in a post; `start:end` indexes the original text."""

    kind: FindingKind
    start: int
    end: int
    text: str


# The community's home regions first, then the countries its clients most often call from.
DEFAULT_REGIONS: tuple[str, ...] = (
    "SA", "EG", "AE", "JO", "IQ", "MA", "DZ", "TN", "LB", "KW", "QA", "OM",
    "SD", "BH", "YE", "SY", "PS", "LY", "US", "GB", "FR", "DE", "TR",
)  # fmt: skip

_MASKS: dict[str, dict[FindingKind, str]] = {
    "en": {
        FindingKind.EMAIL: "[email]",
        FindingKind.PHONE: "[phone]",
        FindingKind.URL: "[link]",
        FindingKind.IBAN: "[iban]",
        FindingKind.CARD: "[card]",
        FindingKind.HANDLE: "[handle]",
        FindingKind.CLIENT: "[client]",
    },
    "ar": {
        FindingKind.EMAIL: "[بريد]",
        FindingKind.PHONE: "[هاتف]",
        FindingKind.URL: "[رابط]",
        FindingKind.IBAN: "[حساب بنكي]",
        FindingKind.CARD: "[بطاقة]",
        FindingKind.HANDLE: "[حساب]",
        FindingKind.CLIENT: "[عميل]",
    },
}

# When two findings cover the same span, the earlier kind here is the better description.
_PRIORITY = (
    FindingKind.EMAIL,
    FindingKind.URL,
    FindingKind.IBAN,
    FindingKind.CARD,
    FindingKind.PHONE,
    FindingKind.HANDLE,
    FindingKind.CLIENT,
)

_Span = tuple[int, int, FindingKind]

# Arabic-Indic and Persian digits map one-to-one onto ASCII, so spans survive the translation.
_ASCII_DIGITS = str.maketrans(
    {**{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)}}
)

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}")

# Only TLDs people actually give clients' sites under; file extensions that are also TLDs
# (.py, .md, .zip, .mov, .sh, .rs) stay out so "main.py" or "notes.md" pass.
_TLDS = frozenset({
    "com", "net", "org", "edu", "gov", "info", "biz", "io", "co", "ai", "app", "dev", "me", "tech",
    "store", "shop", "online", "site", "xyz", "cloud", "design", "agency", "studio", "digital",
    "media", "blog", "page", "link", "live", "news", "art", "website", "services", "solutions",
    "sa", "eg", "ae", "jo", "iq", "ma", "dz", "tn", "lb", "kw", "qa", "om", "sd", "bh", "ye", "sy",
    "ps", "ly", "us", "uk", "gb", "fr", "de", "tr", "ca", "au", "eu", "ch", "nl", "es", "pk", "ru",
    "cn", "jp", "tv", "fm",
})  # fmt: skip
_TLD_ALTERNATION = "|".join(sorted(_TLDS, key=len, reverse=True))
_SCHEME_URL = re.compile(r"(?:https?|ftp)://[^\s<>\"'«»]+|\bwww\.[^\s<>\"'«»]+", re.IGNORECASE)
_BARE_DOMAIN = re.compile(
    r"(?<![\w@./\\-])"
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    rf"(?P<tld>{_TLD_ALTERNATION})"
    r"(?![\w-])"
    r"(?:/[^\s<>\"'«»]*)?",
    re.IGNORECASE,
)
# Framework names that look like domains; real sites are not written like this.
_NOT_DOMAINS = frozenset({"asp.net", "ado.net", "vb.net", "dot.net", "socket.io", "sentry.io"})
_TRAILING_PUNCT = ".,;:!?)]}'\"،؛؟…»"

_HANDLE = re.compile(r"(?<![A-Za-z0-9_@/.<\\])@(?P<name>[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)")
_NOT_HANDLES = frozenset({"everyone", "here"})

_IBAN_CANDIDATE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]){11,32}")
_CARD_CANDIDATE = re.compile(r"(?<![\d+])\d(?:[ -]?\d){12,22}")

# Discord's own markup (<@id>, <#id>, <:emoji:id>, <t:unix>) carries long ids that are no one's details.
_DISCORD_MARKUP = re.compile(r"<(?:@[!&]?|#|a?:\w+:|t:)\d+(?::\w)?>")

_PHONE_MIN_DIGITS = 7
_PHONE_TYPES_SHORT = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)
_DATE_LIKE = re.compile(
    r"(?:19|20)\d\d(?:\s*[-–/.]\s*(?:19|20)\d\d"
    r"|[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])"
    r"|(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))"
    r"|(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|1[0-2])[-/.](?:19|20)\d\d"
)
_CURRENCY_AFTER = re.compile(
    r"\s*(?:%|\$|€|£|k\b|m\b|usd|sar|egp|aed|eur|gbp|kwd|qar|jod|ريال|ر\.س|جنيه|درهم|دينار|دولار|يورو|ليرة)",
    re.IGNORECASE,
)
_CURRENCY_BEFORE = re.compile(r"(?:\$|€|£|usd|sar|egp|aed|eur|gbp)\s*$", re.IGNORECASE)

# Conjunctions and prepositions Arabic attaches to the next word ("وشركة", "لمؤسسة", "بالأمل").
_ARABIC_PREFIX = "[وفبلك]{0,2}"


def scan_for_client_details(
    text: str,
    client_names: Iterable[str] = (),
    regions: Sequence[str] = DEFAULT_REGIONS,
    *,
    ignored: Iterable[str] = (),
) -> list[Finding]:
    """Find client details in text: sorted by start, non-overlapping, the longest kept.

    `ignored` holds texts the member said are not client details; a finding that is one of them
    (in any spelling) is left out.
    """
    latin = text.translate(_ASCII_DIGITS)
    candidates = [
        *_find_emails(latin),
        *_find_urls(latin),
        *_find_ibans(latin),
        *_find_cards(latin),
        *_find_phones(latin, regions),
        *_find_handles(latin),
        *_find_clients(text, client_names),
    ]
    # Discord markup is claimed first so nothing inside it is reported.
    taken = [m.span() for m in _DISCORD_MARKUP.finditer(text)]
    kept: list[_Span] = []
    candidates.sort(key=lambda c: (-(c[1] - c[0]), _PRIORITY.index(c[2]), c[0]))
    for start, end, kind in candidates:
        if all(end <= s or start >= e for s, e in taken):
            taken.append((start, end))
            kept.append((start, end, kind))
    kept.sort()
    skip = {normalize_text(word) for word in ignored}
    return [
        Finding(kind, start, end, text[start:end])
        for start, end, kind in kept
        if normalize_text(text[start:end]) not in skip
    ]


# The public suffix list as the package ships it: never fetched, never cached on disk.
_SUFFIXES = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registrable_name(address: str) -> str | None:
    """Return the name a link or e-mail address is registered under ("brightleaf" for mail@brightleaf.com)."""
    host = address.rsplit("@", 1)[-1]
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", host, flags=re.IGNORECASE).split("/", 1)[0]
    name = _SUFFIXES(host).domain
    return name or None


def mask_findings(text: str, findings: Sequence[Finding], lang: str = "en") -> str:
    """Replace each finding's span with a neutral mask such as `[email]` or `[عميل]`."""
    masks = _MASKS["ar" if lang == "ar" else "en"]
    parts: list[str] = []
    cursor = 0
    for finding in sorted(findings, key=lambda f: f.start):
        if finding.start < cursor:
            # An overlapping finding is already covered by the previous mask.
            continue
        parts.append(text[cursor : finding.start])
        parts.append(masks[finding.kind])
        cursor = finding.end
    parts.append(text[cursor:])
    return "".join(parts)


def parse_client_list(text: str, max_names: int = 100, max_len: int = 80) -> list[str]:
    """Split a client list into names, one per line, trimmed and deduplicated; enforce the limits."""
    names: list[str] = []
    seen: set[str] = set()
    for line in text.splitlines():
        name = line.strip()
        if not name:
            continue
        if len(name) > max_len:
            raise ValueError(f"client name longer than {max_len} characters: {name[:20]}…")
        key = normalize_text(name)
        if key in seen:
            continue
        seen.add(key)
        names.append(name)
    if len(names) > max_names:
        raise ValueError(f"more than {max_names} client names")
    return names


# --- finders: each returns (start, end, kind) spans into the text it is given -----------------


def _find_emails(text: str) -> list[_Span]:
    return [(m.start(), m.end(), FindingKind.EMAIL) for m in _EMAIL.finditer(text)]


def _find_urls(text: str) -> list[_Span]:
    spans: list[_Span] = []
    for match in _SCHEME_URL.finditer(text):
        end = match.start() + len(match.group().rstrip(_TRAILING_PUNCT))
        spans.append((match.start(), end, FindingKind.URL))
    for match in _BARE_DOMAIN.finditer(text):
        found = match.group().rstrip(_TRAILING_PUNCT)
        host = found.split("/", 1)[0]
        tld = match.group("tld")
        # "ASP.NET", "VB.NET": an upper-case TLD is a product name, not an address someone gives.
        if host.casefold() in _NOT_DOMAINS or tld.isupper():
            continue
        spans.append((match.start(), match.start() + len(found), FindingKind.URL))
    return spans


def _find_handles(text: str) -> list[_Span]:
    spans: list[_Span] = []
    for match in _HANDLE.finditer(text):
        name = match.group("name")
        if name.casefold() in _NOT_HANDLES or name.isdigit():
            continue
        spans.append((match.start(), match.end(), FindingKind.HANDLE))
    return spans


def _longest_valid(text: str, start: int, end: int, is_valid: Callable[[str], bool]) -> int | None:
    """Return the furthest end in start..end where the candidate is valid and ends a token."""
    for stop in range(end, start, -1):
        if stop < len(text) and text[stop].isalnum():
            continue
        if not text[stop - 1].isalnum():
            continue
        if is_valid(text[start:stop]):
            return stop
    return None


def _is_iban(candidate: str) -> bool:
    compact = candidate.replace(" ", "").replace("-", "").upper()
    return 15 <= len(compact) <= 34 and iban.is_valid(compact)


def _find_ibans(text: str) -> list[_Span]:
    spans: list[_Span] = []
    for match in _IBAN_CANDIDATE.finditer(text):
        stop = _longest_valid(text, match.start(), match.end(), _is_iban)
        if stop is not None:
            spans.append((match.start(), stop, FindingKind.IBAN))
    return spans


def _is_card(candidate: str) -> bool:
    digits = candidate.replace(" ", "").replace("-", "")
    # Issuer numbers start with 2-6 (Mastercard, Amex, Visa, Discover, UnionPay, mada's BINs);
    # long numbers starting 0 or 1 are phone numbers or references.
    return 13 <= len(digits) <= 19 and digits[0] in "23456" and len(set(digits)) > 1 and luhn.is_valid(digits)


def _find_cards(text: str) -> list[_Span]:
    spans: list[_Span] = []
    for match in _CARD_CANDIDATE.finditer(text):
        stop = _longest_valid(text, match.start(), match.end(), _is_card)
        if stop is not None:
            spans.append((match.start(), stop, FindingKind.CARD))
    return spans


def _find_phones(text: str, regions: Sequence[str]) -> list[_Span]:
    if sum(ch.isdigit() for ch in text) < _PHONE_MIN_DIGITS:
        return []
    spans: set[tuple[int, int]] = set()
    rejected: set[tuple[int, int]] = set()
    for region in regions:
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            span = (match.start, match.end)
            if span in spans or span in rejected:
                continue
            if _looks_like_phone(text, match.start, match.end, match.number):
                spans.add(span)
            else:
                rejected.add(span)
    return [(start, end, FindingKind.PHONE) for start, end in spans]


def _looks_like_phone(text: str, start: int, end: int, number: phonenumbers.PhoneNumber) -> bool:
    """Reject what libphonenumber accepts but people mean as a date, price or reference."""
    raw = text[start:end]
    digits = re.sub(r"\D", "", raw)
    # "#" is libphonenumber's extension mark, but in a post it starts an order or ticket number.
    if len(digits) < _PHONE_MIN_DIGITS or "#" in raw or _DATE_LIKE.fullmatch(raw.strip()):
        return False
    # Digits glued to a reference ("INV-2024-0153", "ID_55012345") are part of that reference.
    if start and (text[start - 1] in "-_/#" or (text[start - 1].isascii() and text[start - 1].isalnum())):
        return False
    if _CURRENCY_AFTER.match(text, end) or _CURRENCY_BEFORE.search(text[max(0, start - 8) : start]):
        return False
    international = raw.lstrip("(").startswith(("+", "00"))
    # Eight digits or fewer in national form is as likely an order number as a landline;
    # keep only mobile numbers (Gulf mobiles are eight digits).
    if not international and len(digits) <= 8:
        return phonenumbers.number_type(number) in _PHONE_TYPES_SHORT
    return True


# --- client names: matched on normalised text, reported on the original ---------------------


@lru_cache(maxsize=4096)
def _normalize_char(char: str) -> str:
    return " " if char.isspace() else normalize_text(char)


def _normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Normalise text char by char, keeping for each output char the index it came from."""
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        piece = _normalize_char(char)
        if piece == " " and out and out[-1] == " ":
            continue
        for part in piece:
            out.append(part)
            origin.append(index)
    return "".join(out), origin


def _client_pattern(name: str) -> re.Pattern[str] | None:
    key = re.sub(r"\s+", " ", "".join(_normalize_char(ch) for ch in name)).strip()
    # One-letter names would mask half the post.
    if len(key) < 2:
        return None
    body = re.escape(key).replace(r"\ ", r"\s")
    alternatives = [rf"(?:{_ARABIC_PREFIX}|{_ARABIC_PREFIX}ال)(?P<name>{body})"]
    if key.startswith("ال") and len(key) > 2:
        # "ل" + "الأمل" is written "للأمل": the alef drops, so the name shows as "لأمل".
        alternatives.append(rf"[وف]?ل(?P<name2>{re.escape(key[1:])})")
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)")


def _find_clients(text: str, client_names: Iterable[str]) -> list[_Span]:
    patterns = [p for p in (_client_pattern(n) for n in client_names) if p is not None]
    if not patterns:
        return []
    normalized, origin = _normalize_with_map(text)
    spans: list[_Span] = []
    for pattern in patterns:
        for match in pattern.finditer(normalized):
            group = "name" if match.group("name") is not None else "name2"
            start = origin[match.start(group)]
            end = origin[match.end(group) - 1] + 1
            # Carry the last letter's tashkeel/tatweel into the span so the mask removes them.
            while end < len(text) and not text[end].isspace() and _normalize_char(text[end]) == "":
                end += 1
            spans.append((start, end, FindingKind.CLIENT))
    return spans
