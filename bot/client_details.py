"""Client details in a post (e-mails, phones, links, bank and card numbers, handles, client names): find and mask.

Pure and bounded: every finder works on candidates a linear regular expression picks out, each
candidate is checked at a bounded cost (phone numbers against libphonenumber's per-region patterns,
cached), so a 4,000-character post of digits and separators costs milliseconds, not seconds.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

import phonenumbers
import tldextract
from phonenumbers import PhoneMetadata
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

_RANK = {kind: rank for rank, kind in enumerate(_PRIORITY)}
_Span = tuple[int, int, FindingKind]

# Arabic-Indic and Persian digits map one-to-one onto ASCII, so spans survive the translation.
_ASCII_DIGITS = str.maketrans(
    {**{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)}}
)

# Discord's own markup (<@id>, <#id>, <:emoji:id>, <t:unix>) carries long ids that are no one's details.
_DISCORD_MARKUP = re.compile(r"<(?:@[!&]?|#|a?:\w+:|t:)\d+(?::\w)?>")
# Markdown code: a fenced block, or an inline span. Handles and e-mails inside are code, not people.
_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]+`", re.DOTALL)


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
    code = [m.span() for m in _CODE.finditer(latin)] if "`" in latin else []
    candidates = [
        *_find_emails(latin, code),
        *_find_urls(latin),
        *_find_ibans(latin),
        *_find_cards(latin),
        *_find_phones(latin, regions),
        *_find_handles(latin, code),
        *_find_clients(text, client_names),
    ]
    # Discord markup is claimed first so nothing inside it is reported.
    taken = bytearray(len(text) + 1)
    for markup in _DISCORD_MARKUP.finditer(text) if "<" in text else ():
        taken[markup.start() : markup.end()] = b"\x01" * (markup.end() - markup.start())
    kept: list[_Span] = []
    candidates.sort(key=lambda c: (-(c[1] - c[0]), _RANK[c[2]], c[0]))
    for start, end, kind in candidates:
        if taken.find(1, start, end) < 0:
            taken[start:end] = b"\x01" * (end - start)
            kept.append((start, end, kind))
    kept.sort()
    skip = {normalize_text(word) for word in ignored}
    return [
        Finding(kind, start, end, text[start:end])
        for start, end, kind in kept
        if not skip or normalize_text(text[start:end]) not in skip
    ]


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


def _inside(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def _overlaps(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(start < e and s < end for s, e in spans)


# --- domains: the public suffix list, and names that are files rather than sites --------------------

# The public suffix list as the package ships it: never fetched, never cached on disk.
_SUFFIXES = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
_TRAILING_PUNCT = ".,;:!?)]}'\"،؛؟…»*_~"

# File extensions that are also top-level domains: "logo.ai", "scene.ma", "notes.md", "main.py".
# Such a name is a site only with a path, a scheme, "www.", a subdomain or a word saying so.
_FILE_EXTENSIONS = frozenset({
    "ai", "ma", "mb", "md", "py", "rs", "sh", "zip", "mov", "pl", "ps", "so", "tf", "sc", "ml", "cc",
    "rb", "kt", "ts", "js", "cs", "go", "fig", "psd", "sketch", "xd", "blend", "fbx", "obj", "stl",
    "max", "skp", "dwg", "eps", "bin", "lua", "jl", "gs", "swift", "dart",
    "sql", "db", "log", "cfg", "ini", "bat", "ps1", "dmg", "exe", "apk", "ipa", "iso", "img", "tar",
    "gz", "rar", "7z", "csv", "tsv", "json", "xml", "yml", "yaml", "toml", "lock", "txt", "doc", "docx",
    "pdf", "ppt", "pptx", "key", "pages", "numbers", "xls", "xlsx", "png", "jpg", "jpeg", "gif", "svg",
    "webp", "mp3", "mp4", "wav", "avi", "mkv", "otf", "ttf", "woff", "srt", "aep", "prproj", "c4d",
})  # fmt: skip
_LINK_WORDS = re.compile(
    r"(?:site|website|web|link|url|domain|visit|page|store|shop|online|portal|platform|dashboard|"
    r"landing|موقع|رابط|الرابط|دومين|نطاق|متجر|صفحة|صفحه|منصة|منصه)\W{0,3}(?:\w+\W+){0,3}$",
    re.IGNORECASE,
)
# Framework and product names written like domains; nobody means them as a client's site.
_NOT_DOMAINS = frozenset({
    "asp.net", "ado.net", "vb.net", "dot.net", "socket.io", "sentry.io", "node.js", "vue.js", "next.js",
    "nuxt.js", "three.js", "chart.js", "d3.js", "p5.js", "express.js", "react.js", "angular.js",
})  # fmt: skip


@lru_cache(maxsize=8192)
def _split_host(host: str) -> tuple[str, str, str]:
    parts = _SUFFIXES(host.lower())
    return parts.subdomain, parts.domain, parts.suffix


def registrable_name(address: str) -> str | None:
    """Return the name a link or e-mail address is registered under ("brightleaf" for mail@brightleaf.com)."""
    host = address.rsplit("@", 1)[-1]
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", host, flags=re.IGNORECASE).split("/", 1)[0].split(":")[0]
    return _split_host(host)[1] or None


def _is_domain(host: str) -> bool:
    """Tell whether a host ends in a real public suffix with a name before it."""
    _, domain, suffix = _split_host(host)
    return bool(domain and suffix)


# --- e-mail addresses, also written to dodge bots: name[at]site[dot]com, name at gmail dot com ------

_AT_BRACKETED = r"\s*[\[({<]\s*(?:at|@|آت|أت|ات)\s*[\])}>]\s*"
_AT_WORD = r"\s+(?:at|آت|أت|ات)\s+"
_AT_SPACED = r"@\s?|\s@\s?"
_DOT_BRACKETED = r"\s*[\[({<]\s*(?:dot|\.|دوت|نقطة|نقطه)\s*[\])}>]\s*"
_DOT_WORD = r"\s+(?:dot|دوت|دات|نقطة|نقطه)\s+|\s+\.\s+"
_DOT = rf"(?:\.|{_DOT_BRACKETED}|{_DOT_WORD})"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9_.%+-])(?P<local>[A-Za-z0-9][A-Za-z0-9._%+-]*"
    rf"(?:(?:{_DOT_BRACKETED}|{_DOT_WORD})[A-Za-z0-9_%+-]+)*)"
    rf"(?P<at>{_AT_BRACKETED}|{_AT_WORD}|{_AT_SPACED})"
    # Only Latin letters end an address: Arabic may be glued to it ("x@y.comوأرسل").
    rf"(?P<domain>{_LABEL}(?:{_DOT}{_LABEL})+)(?![A-Za-z0-9_-])",
    re.IGNORECASE,
)
_OBFUSCATED_DOT = re.compile(rf"{_DOT_BRACKETED}|{_DOT_WORD}", re.IGNORECASE)
# Addresses people give as "name at gmail dot com" are at the big mail providers.
_MAIL_PROVIDERS = frozenset({
    "gmail", "googlemail", "outlook", "hotmail", "live", "msn", "yahoo", "ymail", "icloud", "me", "mac",
    "aol", "proton", "protonmail", "pm", "zoho", "yandex", "mail", "gmx", "fastmail", "hey", "tutanota",
})  # fmt: skip
# Words that come before "at" in a sentence ("worked at acme.com"): not the name part of an address.
_NOT_LOCAL_PARTS = frozenset({
    "work", "works", "worked", "working", "job", "is", "was", "are", "were", "be", "been", "look", "looked",
    "looking", "me", "us", "them", "him", "her", "it", "this", "that", "here", "there", "based", "hosted",
    "live", "lives", "found", "find", "meet", "met", "stay", "stayed", "shop", "sell", "sold", "buy",
    "bought", "listed", "seen", "published", "posted", "hired", "intern", "developer", "designer",
    "manager", "engineer", "team", "people", "staff", "available", "online", "started", "start", "arrived",
    "or", "and", "then", "also", "still", "even", "only", "just", "site", "page", "sites", "pages",
})  # fmt: skip


def _clean_host(domain: str) -> str:
    return _OBFUSCATED_DOT.sub(".", domain).lower()


def _find_emails(text: str, code: Sequence[tuple[int, int]]) -> list[_Span]:
    if "@" not in text and not re.search(r"\bat\b|آت|أت|\sات\s|[\[({<]\s*at", text, re.IGNORECASE):
        return []
    spans: list[_Span] = []
    for match in _EMAIL.finditer(text):
        start, end = match.span()
        if _inside(code, start, end):
            continue
        at = match.group("at")
        host = _clean_host(match.group("domain"))
        if not _is_domain(host) or host.rsplit(".", 1)[-1].isdigit():
            continue
        # "git@github.com:team/repo.git" is an SSH remote, not someone's mailbox.
        if text.startswith(":", end) and match.group("local").lower() in {"git", "ssh", "hg"}:
            continue
        local = match.group("local").lower()
        provider = _split_host(host)[1] in _MAIL_PROVIDERS
        if re.fullmatch(_AT_WORD, at, re.IGNORECASE) and local in _NOT_LOCAL_PARTS:
            continue
        # "ping @ahmed.dev" is a word and a handle; "ahmed @gmail.com" and "m.ali @site.com" are addresses.
        left_spaced = at[0].isspace() and not at[-1].isspace() and "@" in at
        if left_spaced and (local in _NOT_LOCAL_PARTS or not (provider or re.search(r"[._\d]", local))):
            continue
        spans.append((start, end, FindingKind.EMAIL))
    return spans


# --- links ---------------------------------------------------------------------------------------------

_SCHEME_URL = re.compile(r"(?:https?|ftp)://[^\s<>\"'«»]+|\bwww\.[^\s<>\"'«»]+", re.IGNORECASE)
_BARE_DOMAIN = re.compile(
    r"(?<![A-Za-z0-9_@./\\-])"
    rf"(?P<host>(?:{_LABEL}(?:\.|{_DOT_BRACKETED}))+(?P<tld>[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]))"
    r"(?P<port>:\d{2,5})?"
    r"(?![A-Za-z0-9_-])"
    r"(?P<path>[/?#][^\s<>\"'«»\u0600-\u06ff]*)?",
    re.IGNORECASE,
)


def _strip_trailing(found: str) -> str:
    """Drop sentence punctuation after a link, but keep a closing bracket the link itself opened."""
    while found and found[-1] in _TRAILING_PUNCT:
        if found[-1] == ")" and found.count("(") >= found.count(")"):
            break
        found = found[:-1]
    return found


def _find_urls(text: str) -> list[_Span]:
    if "." not in text and "[" not in text and "(" not in text:
        return []
    spans: list[_Span] = []
    for match in _SCHEME_URL.finditer(text):
        spans.append((match.start(), match.start() + len(_strip_trailing(match.group())), FindingKind.URL))
    for match in _BARE_DOMAIN.finditer(text):
        host = _clean_host(match.group("host"))
        tld = match.group("tld")
        if host in _NOT_DOMAINS or not _is_domain(host):
            continue
        # "ASP.NET", "It was done.Then": an upper-case or capitalised ending is a name or a new sentence.
        shouting = (tld.isupper() and len(tld) > 1) or (tld[0].isupper() and tld[1:].islower())
        if shouting and not match.group("path"):
            continue
        found = _strip_trailing(match.group())
        if not match.group("path") and _looks_like_file(text, match.start(), host):
            continue
        spans.append((match.start(), match.start() + len(found), FindingKind.URL))
    return spans


def _looks_like_file(text: str, start: int, host: str) -> bool:
    """Tell whether "logo.ai" or "scene.ma" is a file: a file-like ending, one label, no word saying "site"."""
    subdomain, _, suffix = _split_host(host)
    if suffix.rsplit(".", 1)[-1] not in _FILE_EXTENSIONS or subdomain:
        return False
    return not _LINK_WORDS.search(text[max(0, start - 40) : start])


# --- handles ---------------------------------------------------------------------------------------------

_HANDLE = re.compile(r"(?<![A-Za-z0-9_@/.<\\`])@(?P<name>[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)")
_RETINA = re.compile(r"\d+(?:\.\d+)?x")
_NOT_HANDLES = frozenset({"everyone", "here", "channel", "all"})
# Decorators, annotations and at-rules people quote from code: "@dataclass", "@app.route", "@media".
_CODE_AT_WORDS = frozenset({
    "dataclass", "property", "staticmethod", "classmethod", "abstractmethod", "cached_property",
    "lru_cache", "cache", "override", "overload", "final", "wraps", "total_ordering", "contextmanager",
    "asynccontextmanager", "receiver", "login_required", "csrf_exempt", "permission_classes", "api_view",
    "action", "admin", "shared_task", "task", "njit", "jit", "app", "router", "bp", "blueprint", "api",
    "pytest", "mock", "patch", "fixture", "validator", "field_validator", "model_validator",
    "root_validator", "computed_field", "component", "injectable", "ngmodule", "input", "output",
    "hostlistener", "viewchild", "pipe", "directive", "module", "controller", "get", "post", "put",
    "delete", "body", "param", "query", "entity", "table", "column", "id", "test", "before",
    "after", "beforeeach", "aftereach", "autowired", "service", "repository", "restcontroller",
    "getmapping", "postmapping", "requestmapping", "springbootapplication", "deprecated",
    "suppresswarnings", "functionalinterface", "nullable", "nonnull", "composable", "preview",
    "jvmstatic", "serializable", "published", "state", "binding", "observedobject", "environmentobject",
    "mainactor", "objc", "available", "escaping", "discardableresult", "iboutlet", "ibaction", "main",
    "prop", "emit", "watch", "getter", "media", "import", "tailwind", "apply", "layer",
    "keyframes", "font-face", "supports", "container", "mixin", "include", "extend", "use", "forward",
    "each", "if", "else", "function", "return", "page", "charset", "namespace", "screen", "variants",
    "responsive", "config", "plugin", "returns", "throws", "type", "typedef", "example", "see",
    "since", "author", "version", "todo", "ts-ignore", "ts-expect-error", "ts-nocheck",
    "click", "command", "group", "event", "slash", "hybrid_command", "tree", "types",
})  # fmt: skip
_DECORATOR_LINE = re.compile(
    r"[ \t]*@[\w.]+(?:\(.*\))?[ \t]*\n[ \t]*(?:async\s+)?(?:def|class|func|fun|public|private)\b"
)


def _find_handles(text: str, code: Sequence[tuple[int, int]]) -> list[_Span]:
    if "@" not in text:
        return []
    spans: list[_Span] = []
    for match in _HANDLE.finditer(text):
        name = match.group("name")
        start, end = match.span()
        if name.casefold() in _NOT_HANDLES or name.isdigit() or _inside(code, start, end):
            continue
        # "@2x", "@3x": retina image sizes.
        if _RETINA.fullmatch(name):
            continue
        root = name.split(".", 1)[0].lower()
        after = text[end : end + 2]
        # Handles never hold "-": "@font-face" is CSS; "@x(" and "@x;" are code.
        if root in _CODE_AT_WORDS or after.startswith(("(", ";", "-")) or after.lstrip().startswith("{"):
            continue
        line_start = text.rfind("\n", max(0, start - 16), start) + 1 if start else 0
        indent = text[line_start:start] if start - line_start <= 12 else "x"
        if not indent.strip() and _DECORATOR_LINE.match(text, line_start):
            continue
        spans.append((start, end, FindingKind.HANDLE))
    return spans


# --- bank accounts and cards -------------------------------------------------------------------------------

_IBAN_CANDIDATE = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:(?:[ \t]{1,2}|-|[ \t]?\n(?!\n)[ \t]?)?[A-Za-z0-9]){11,32}"
)
_CARD_CANDIDATE = re.compile(r"(?<![\d+])\d(?:(?:[ -]|\n(?!\n))?\d){12,22}")


def _longest_valid(text: str, start: int, end: int, is_valid: Callable[[str], bool]) -> int | None:
    """Return the furthest end in start..end where the candidate is valid and ends a token."""
    for stop in range(end, start, -1):
        if stop < len(text) and text[stop].isascii() and text[stop].isalnum():
            continue
        if not text[stop - 1].isalnum():
            continue
        if is_valid(text[start:stop]):
            return stop
    return None


# IBAN lengths of the community's home countries and its clients' most common ones.
_IBAN_LENGTHS = {
    "SA": 24, "AE": 23, "EG": 29, "JO": 30, "KW": 30, "QA": 29, "BH": 22, "OM": 23, "LB": 28, "TN": 24,
    "IQ": 23, "PS": 29, "LY": 25, "SD": 18, "YE": 30, "MA": 28, "DZ": 26, "TR": 26, "GB": 22, "DE": 22,
    "FR": 27, "NL": 18, "ES": 24, "IT": 27, "BE": 16, "CH": 21, "AT": 20, "SE": 24, "IE": 22, "PK": 24,
}  # fmt: skip
_UNREGISTERED_IBAN = frozenset({"MA", "DZ", "AO", "BJ", "BF", "CI", "CM", "CV", "IR", "MG", "ML", "MZ", "SN"})
_IBAN_LETTERS = str.maketrans({chr(ord("A") + i): str(10 + i) for i in range(26)})
_SEPARATORS = str.maketrans("", "", " -\n\t")


def _compact(candidate: str) -> str:
    return candidate.translate(_SEPARATORS)


def _is_iban(candidate: str) -> bool:
    compact = _compact(candidate).upper()
    if not 15 <= len(compact) <= 34 or not compact.isalnum():
        return False
    if not (compact[:2].isalpha() and compact[2:4].isdigit()):
        return False
    # The ISO 7064 check first (cheap); the per-country format only for what passes it.
    numeric = (compact[4:] + compact[:4]).translate(_IBAN_LETTERS)
    if int(numeric) % 97 == 1:
        # Morocco's and Algeria's IBANs are in use but not in the registry: the checksum is enough there.
        return iban.is_valid(compact) or (compact[:2] in _UNREGISTERED_IBAN and compact[4:].isdigit())
    # A mistyped check digit is still someone's account: accept the country's exact format.
    if _IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact[8:].isdigit():
        return False
    bban = compact[4:]
    return iban.is_valid(compact[:2] + iban.calc_check_digits(compact[:2] + "00" + bban) + bban)


# A bank account number without a country code, where the post says it is one.
_ACCOUNT = re.compile(
    r"(?<![A-Za-z0-9])(?:account|acct|a/c|bank|rib|iban|حساب|الحساب|حسابي|حسابه|حسابها|[اآ]يبان|ال[اآ]يبان)"
    r"(?:[ \t]+(?:no\.?|number|num|nr|#|رقم|رقمه|بنكي|البنكي|المصرفي))?[ \t]*[:#]?[ \t]*"
    r"(?P<number>\d(?:[ -]?\d){7,29})(?![\dA-Za-z])",
    re.IGNORECASE,
)


def _find_ibans(text: str) -> list[_Span]:
    spans: list[_Span] = [
        (m.start("number"), m.end("number"), FindingKind.IBAN) for m in _ACCOUNT.finditer(text)
    ]
    for match in _IBAN_CANDIDATE.finditer(text):
        stop = _longest_valid(text, match.start(), match.end(), _is_iban)
        if stop is not None:
            spans.append((match.start(), stop, FindingKind.IBAN))
    return spans


def _is_card(candidate: str) -> bool:
    digits = _compact(candidate)
    # Issuer numbers start with 2-6 (Mastercard, Amex, Visa, Discover, UnionPay, mada's BINs);
    # long numbers starting 0 or 1 are phone numbers or references.
    return (
        13 <= len(digits) <= 19
        and digits[0] in "23456"
        and digits.isdigit()
        and len(set(digits)) > 1
        and luhn.is_valid(digits)
    )


def _find_cards(text: str) -> list[_Span]:
    spans: list[_Span] = []
    for match in _CARD_CANDIDATE.finditer(text):
        stop = _longest_valid(text, match.start(), match.end(), _is_card)
        if stop is not None:
            spans.append((match.start(), stop, FindingKind.CARD))
    return spans


# --- phone numbers ---------------------------------------------------------------------------------------

# A run of digit groups joined the ways people write phones: spaces, dashes, dots, brackets, one line break.
_DIGIT_RUN = re.compile(
    r"(?:\(?\+|\b00)?\(?\d+"
    r"(?:(?:[ \t\u00a0\u2009\u202f\u200e\u200f]{0,2}[-–—.][ \t\u00a0\u2009\u202f\u200e\u200f]{0,2}"
    r"|[ \t\u00a0\u2009\u202f\u200e\u200f]{1,3}|[ \t]{0,2}\n[ \t]{0,2}|\)[ \t]?|[ \t]?\()"
    r"\(?\d+)*"
)
_GROUP = re.compile(r"\d+")
_MAX_PHONE_DIGITS = 15
_MIN_PHONE_DIGITS = 8
_WINDOWS_PER_SCAN = 300  # a bound on the work for one post, whatever it holds

_DATE_LIKE = re.compile(
    r"(?:19|20)\d\d(?:\s*[-–/.]\s*(?:19|20)\d\d"
    r"|[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])"
    r"|(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))"
    r"|(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|1[0-2])[-/.](?:19|20)\d\d"
)
_SPACED_DATE = re.compile(
    r"(?:0?[1-9]|[12]\d|3[01])\s(?:0?[1-9]|1[0-2])\s(?:19|20)\d\d|(?:19|20)\d\d\s(?:0?[1-9]|1[0-2])\s(?:0?[1-9]|[12]\d|3[01])"
)
_YYYYMMDD = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
_CURRENCY_AFTER = re.compile(
    r"\s*(?:%|٪|\$|€|£|k\b|m\b|x\b|px\b|dpi\b|mm\b|cm\b|usd|sar|egp|aed|eur|gbp|kwd|qar|jod|omr|bhd|mad|tnd|dzd|"
    r"iqd|lbp|sr\b|le\b|dh\b|dhs\b|kd\b|qr\b|jd\b|ريال|ر\.س|ج\.م|د\.ا|د\.إ|جنيه|درهم|دينار|دولار|يورو|ليرة|"
    r"views|followers|users|downloads|words|مشاهد|متابع|مستخدم|تحميل|كلمه|كلمة)",
    re.IGNORECASE,
)
_CURRENCY_BEFORE = re.compile(r"(?:\$|€|£|usd|sar|egp|aed|eur|gbp)\s*$", re.IGNORECASE)
# Numbers after these words are references, not phones, unless they carry a country prefix.
_REFERENCE_WORDS = re.compile(
    r"(?<!\w)(?:invoice|inv|order|ticket|contract|case|ref|reference|tracking|transaction|txn|receipt|po|sku|"
    r"id|serial|isbn|account|acct|project|job|milestone|offer|proposal|quote|batch|lot|model|version|build|"
    r"فاتوره|الفاتوره|عقد|العقد|طلب|الطلب|طلبيه|الطلبيه|تذكره|التذكره|مرجع|المرجع|المرجعي|حواله|الحواله|"
    r"عمليه|العمليه|معامله|المعامله|شحنه|الشحنه|تتبع|التتبع|ملف|الملف|قضيه|القضيه|مشروع|المشروع|"
    r"عرض|العرض|رقم الحساب|الحساب|سجل|السجل|code|pin|otp|coupon|voucher|barcode|imei|vat|tax|iqama|passport|"
    r"swift|room|رمز|الرمز|كود|الكود|كوبون|الكوبون|قسيمه|هويه|الهويه|جواز|الجواز|اقامه|الاقامه|ضريبي|الضريبي|"
    r"باركود|الباركود|غرفه|الغرفه|booking|reservation|confirmation|application|claim|complaint|policy|"
    r"shipment|awb|waybill|parcel|package|مطالبه|المطالبه|شكوي|الشكوي|بلاغ|البلاغ|ايصال|الايصال|وصل|الوصل|"
    r"بوليصه|البوليصه|حجز|الحجز|تاكيد|التاكيد)"
    # "كود الخصم 553…", "رقم الطلب: 553…": a defining word may follow the reference word.
    r"(?:\s+ال\w{2,10})?[ \t:#№(\-]{0,4}(?:(?:no|num|number|nr|رقم|رقمه|رقمها|id|#)[ \t.:#№(\-]{0,3})?$",
    re.IGNORECASE,
)
# Country calling codes of the community's home regions, for numbers written "966 55 …" without the "+".
_HOME_CODES = ("966", "971", "962", "964", "212", "213", "216", "961", "965", "974", "968", "249", "973", "967",
               "963", "970", "218", "20")  # fmt: skip


@dataclass(frozen=True)
class _RegionPatterns:
    prefix: str
    fixed: re.Pattern[str] | None
    mobile: re.Pattern[str] | None


@lru_cache(maxsize=64)
def _region_patterns(region: str) -> _RegionPatterns:
    meta = PhoneMetadata.metadata_for_region(region)
    if meta is None:
        return _RegionPatterns("", None, None)

    def pattern(desc: object) -> re.Pattern[str] | None:
        text = getattr(desc, "national_number_pattern", None)
        return re.compile(f"(?:{text})") if text else None

    return _RegionPatterns(meta.national_prefix or "", pattern(meta.fixed_line), pattern(meta.mobile))


@lru_cache(maxsize=16384)
def _national_verdict(digits: str, regions: tuple[str, ...]) -> str | None:
    """Return "mobile" or "fixed" if some region accepts the national number, else None."""
    best = None
    for region in regions:
        patterns = _region_patterns(region)
        number = digits
        if patterns.prefix and digits.startswith(patterns.prefix):
            number = digits[len(patterns.prefix) :]
        elif digits.startswith("0"):
            continue
        if patterns.mobile and patterns.mobile.fullmatch(number):
            return "mobile"
        # A landline counts with its trunk 0, or where the country has none (Kuwait, Qatar, Bahrain, Oman).
        if best is None and patterns.fixed and patterns.fixed.fullmatch(number):
            if number != digits:
                best = "fixed"
            elif not patterns.prefix:
                best = "fixed-bare"
    return best


@lru_cache(maxsize=16384)
def _international_valid(digits: str) -> bool:
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number)


class _Budget:
    def __init__(self, windows: int) -> None:
        self.windows = windows

    def spend(self) -> bool:
        self.windows -= 1
        return self.windows >= 0


_Group = tuple[int, int, str, bool]  # start, end, digits, spelled digit by digit


def _digit_groups(text: str, start: int, end: int) -> list[_Group]:
    """The digit groups of a run; single digits spelled out one by one ("0 5 5 3 …") become one group."""
    merged: list[list[Any]] = []  # start, end, digits, made of single digits
    for match in _GROUP.finditer(text, start, end):
        digits = match.group()
        if len(digits) == 1 and merged:
            previous = merged[-1]
            if previous[3] and match.start() - previous[1] == 1 and text[previous[1]] == " ":
                previous[1], previous[2] = match.end(), previous[2] + digits
                continue
        merged.append([match.start(), match.end(), digits, len(digits) == 1])
    return [(g[0], g[1], g[2], g[3] and len(g[2]) > 1) for g in merged]


def _find_phones(text: str, regions: Sequence[str]) -> list[_Span]:
    if sum(map(str.isdigit, text)) < _MIN_PHONE_DIGITS - 1:
        return []
    region_key = tuple(regions)
    budget = _Budget(_WINDOWS_PER_SCAN)
    spans: list[_Span] = []
    for run in _DIGIT_RUN.finditer(text):
        before = text[run.start() - 1] if run.start() else ""
        if before.isascii() and before.isalpha():
            # Digits glued to letters are a code or an account ("SA04 8000 …", "FO1234567"), even further on.
            continue
        groups = _digit_groups(text, run.start(), run.end())
        if sum(len(g[2]) for g in groups) < _MIN_PHONE_DIGITS - 1:
            continue
        spans.extend(_phones_in_run(text, run.start(), groups, region_key, budget))
    return spans


def _phones_in_run(
    text: str, run_start: int, groups: list[_Group], regions: tuple[str, ...], budget: _Budget
) -> list[_Span]:
    """Take phone numbers out of a run of digit groups, left to right, the longest valid first."""
    spans: list[_Span] = []
    index = 0
    while index < len(groups):
        first_start = groups[index][0]
        plus = text[max(0, first_start - 3) : first_start].rstrip("( ").endswith("+")
        if len(groups[index][2]) == 1 and not plus:
            index += 1
            continue
        best: tuple[int, int] | None = None
        digits = ""
        singles = 0
        for last in range(index, len(groups)):
            group = groups[last][2]
            singles += len(group) == 1
            digits += group
            # A number spelled digit by digit stands alone and starts like a phone: 0…, or after "+".
            spelled = groups[last][3] and (last > index or not (plus or group.startswith("0")))
            if len(digits) > _MAX_PHONE_DIGITS or singles > 1 or spelled:
                break
            if len(digits) < _MIN_PHONE_DIGITS - 1:
                continue
            if not budget.spend():
                return spans
            start = text.rfind("+", max(0, first_start - 3), first_start) if plus else first_start
            end = groups[last][1]
            if start > 0 and text[start - 1] == "(" and ")" in text[start:end]:
                start -= 1
            if _is_phone(text, start, end, digits, plus, regions):
                best = (start, last)
        if best is None:
            index += 1
            continue
        spans.append((best[0], groups[best[1]][1], FindingKind.PHONE))
        index = best[1] + 1
    return spans


def _is_phone(text: str, start: int, end: int, digits: str, plus: bool, regions: tuple[str, ...]) -> bool:
    """Tell whether the digits between start and end are a phone number people would recognise as one."""
    raw = text[start:end]
    international = plus or digits.startswith("00")
    # Glued to a word or a reference ("INV-2024-0153", "ID_55012345", "#48213", "3344/2024").
    before = text[start - 1] if start else ""
    two_before = text[start - 2] if start > 1 else ""
    glued = two_before.isdigit() or (before == "-" and two_before.isascii() and two_before.isalpha())
    # "Tel.0551…" and "جوال-0551…" are phones; "v2.0551…" and "INV-2024…" are not.
    if before and (
        before in "_/#\\@" or (before in "-." and glued) or (before.isascii() and before.isalnum())
    ):
        return False
    after = text[end] if end < len(text) else ""
    if after and (
        (after.isascii() and after.isalnum())
        or after in "/_@"
        or (after in ".," and text[end + 1 : end + 2].isdigit())
    ):
        return False
    if international:
        valid = _international_valid(digits[2:] if digits.startswith("00") else digits)
    elif _YYYYMMDD.match(digits) or len(set(digits)) <= 2 or digits.endswith("00000"):
        return False
    elif digits.startswith(_HOME_CODES) and len(digits) >= 11 and _international_valid(digits):
        valid = True
    elif len(digits) < _MIN_PHONE_DIGITS:
        return False
    else:
        verdict = _national_verdict(digits, regions)
        if verdict is None:
            return False
        if digits.startswith("0"):
            valid = len(digits) >= _MIN_PHONE_DIGITS + 1 or verdict == "mobile"
        else:
            # Without the trunk 0: a mobile, a long one only when written like a phone; a Gulf landline
            # ("4412 3456") only when written in groups.
            grouped = len(raw) > len(digits)
            valid = (verdict == "mobile" and (len(digits) <= 9 or grouped)) or (
                verdict == "fixed-bare" and grouped
            )
    if not valid:
        return False
    if _CURRENCY_AFTER.match(text, end) or _CURRENCY_BEFORE.search(text[max(0, start - 8) : start]):
        return False
    if international:
        return True
    if _DATE_LIKE.fullmatch(raw.strip()) or _SPACED_DATE.fullmatch(raw.strip()):
        return False
    context = normalize_text(text[max(0, text.rfind("\n", 0, start) + 1, start - 30) : start])
    return not _REFERENCE_WORDS.search(context)


# --- client names: matched on folded text, one character for one, reported on the original ----------

_ARABIC_LETTERS = re.compile(r"[\u0621-\u064a]")
# Tashkeel, Quranic marks, tatweel and invisible controls: skipped between a name's letters.
_MARK_CLASS = "[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200b-\u200f\u2066-\u2069\u061c]"
_MARKS = re.compile(_MARK_CLASS)
_SEPARATOR = rf"(?:[\s\-_.·]|{_MARK_CLASS})*"
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_SHORT_NAME = 3  # letters; shorter names are ordinary words too often for loose matching


@lru_cache(maxsize=8192)
def _fold_char(char: str, strict: bool = False, cased: bool = False) -> str:
    """Fold one character for matching names, always into one character (so spans map one to one).

    Hamza forms of alef unify, ى → ي and ة → ه, Latin goes lower case and loses accents ("Café" =
    "cafe"). `strict` keeps ى/ي and ة/ه apart (names that are also words); `cased` keeps Latin case.
    Marks (tashkeel, tatweel) stay: the patterns skip them.
    """
    if _MARKS.match(char) or (strict and char in "ىيةهی"):
        return char
    if char.isascii():
        return char if cased else char.lower()
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if len(base) == 1 and base.isascii() and base.isalpha():
        return base if cased else base.lower()
    if char in _KEYBOARD_VARIANTS:
        return _KEYBOARD_VARIANTS[char]
    folded = normalize_text(char)
    return folded if len(folded) == 1 else char


# Spellings of one letter that informal writing and Persian/Urdu keyboards mix up.
_KEYBOARD_VARIANTS = {"ؤ": "و", "ئ": "ي", "ی": "ي", "ک": "ك", "ە": "ه", "ھ": "ه", "ۀ": "ه", "ٹ": "ت"}


def _fold(text: str, strict: bool, cased: bool) -> str:
    table = {ord(ch): _fold_char(ch, strict, cased) for ch in set(text)}
    return text.translate(table)


@dataclass(frozen=True)
class _ClientName:
    pattern: re.Pattern[str]
    strict: bool
    cased: bool
    needles: tuple[str, ...]  # every match holds these (marks aside): a cheap test before the pattern runs
    capital: frozenset[str]  # groups (one-word Latin forms) found only where written with a capital


def _parts(name: str) -> list[str]:
    """Split a name into the words that may be written apart, joined, or hyphenated."""
    words = [w for w in re.split(r"[\s\-_.·]+", name) if w]
    parts: list[str] = []
    for word in words:
        parts.extend(p for p in _CAMEL.split(word) if p)
    return parts


def _letters(part: str) -> str:
    """A pattern for a word that lets tashkeel and tatweel sit after any letter."""
    return "".join(f"{re.escape(ch)}{_MARK_CLASS}*" for ch in part)


# Words for the kind of business, around a name: "شركة نور الخليج" is also written "نور الخليج".
_DESIGNATORS_AR = (
    "شركة", "شركه", "مؤسسة", "مكتب", "وكالة", "مجموعة", "متجر", "مصنع", "مركز", "عيادة", "مطعم", "فريق",
    "مستشفى", "معهد", "أكاديمية", "استوديو", "منصة", "محل", "معرض",
)  # fmt: skip
_DESIGNATORS_LATIN = frozenset({
    "company", "co", "corp", "corporation", "inc", "llc", "ltd", "limited", "group", "gmbh", "plc", "est", "the",
})  # fmt: skip
# Words after which a bare word is a name ("مع صفوة", "شركة صفوة"): where a dropped "ال" is accepted.
_NAME_CONTEXT_AR = (*_DESIGNATORS_AR, "مع", "لدى", "عند", "عميل", "العميل", "عميلي", "لصالح", "اسمه", "اسمها")


def _folded_words(words: Iterable[str]) -> str:
    return "|".join(sorted({re.escape(_fold(w, False, False)) for w in words}, key=len, reverse=True))


@lru_cache(maxsize=1)
def _context_pattern() -> str:
    return rf"(?:{_folded_words(_NAME_CONTEXT_AR)})\s+"


@lru_cache(maxsize=1)
def _designators() -> frozenset[str]:
    return frozenset(_fold(w, False, False) for w in _DESIGNATORS_AR) | _DESIGNATORS_LATIN


def _forms(parts: list[str], arabic: bool) -> list[list[str]]:
    """The name as listed, and without a business word when what is left is still a name."""
    forms = [parts]
    designators = _designators()
    rest = parts
    while len(rest) > 1 and rest[0].rstrip(".") in designators:
        rest = rest[1:]
    while len(rest) > 1 and rest[-1].rstrip(".") in designators:
        rest = rest[:-1]
    # A single Arabic word left over ("مؤسسة الأمل" → "الأمل") is too often an ordinary word.
    if rest != parts and (len(rest) > 1 or (not arabic and len(rest[0]) > _SHORT_NAME)):
        forms.append(rest)
    return forms


@lru_cache(maxsize=1024)
def _client_name(raw: str) -> _ClientName | None:
    """Compile a client-list entry: "name" or «name» for the exact spelling, name* to allow attached prefixes.

    Names of three letters or fewer ("علي", "هند", "ريم") are whole words only, keep ى/ي and ة/ه
    apart, and take no attached و ب ل ك ف or ال unless written with a `*`; longer Arabic names also
    match with those prefixes, and without their own ال after a word like شركة or مع ("مع صفوة" for
    "الصفوة"). Words of a name may be written apart, joined or hyphenated ("AlNoor", "Al Noor",
    "Al-Noor"); a business word may be left out ("نور الخليج" for "شركة نور الخليج", "Acme" for
    "Acme Ltd"). A one-word Latin name matches only where it is written with a capital ("Apple", not
    "apple pie"), unless it is listed in lower case.
    """
    name = raw.strip()
    exact = len(name) > 2 and name[0] in "\"«“'" and name[-1] in "\"»”'"
    if exact:
        name = name[1:-1].strip()
    prefixed = name.endswith("*")
    name = _MARKS.sub("", name.rstrip("*").strip())
    letters = sum(ch.isalpha() for ch in name)
    if letters < 2:
        return None
    arabic = bool(_ARABIC_LETTERS.search(name))
    short = letters <= _SHORT_NAME
    strict = exact or (arabic and short)
    cased = exact or (not arabic and short and name.isupper())
    parts = [p for p in ("".join(_fold_char(c, strict, cased) for c in part) for part in _parts(name)) if p]
    if not parts:
        return None
    clitic = f"(?:[وفبلك]{_MARK_CLASS}*){{0,2}}"
    article = f"ا{_MARK_CLASS}*ل{_MARK_CLASS}*"
    alternatives: list[str] = []
    capital: set[str] = set()

    def group(body: str) -> str:
        return f"(?P<n{len(alternatives)}>{body})"

    forms = [parts] if exact else _forms(parts, arabic)
    for form in forms:
        body = _SEPARATOR.join(_letters(p) for p in form)
        if not arabic and not cased and len(form) == 1 and not name.islower():
            capital.add(f"n{len(alternatives)}")
        if not (arabic and not exact and (prefixed or not short)):
            alternatives.append(group(body))
            continue
        core = form[0][2:] if form[0].startswith("ال") else ""
        if core or len(form) > 1:
            alternatives.append(rf"{clitic}" + group(rf"(?:{article})?{body}"))
        else:
            # "جميل", "سعيد", "أمين" are names and adjectives: "ال" + name ("الجميل") only after a word
            # that introduces a name ("شركة السعيد", "مع الأمين").
            alternatives.append(rf"{clitic}{group(body)}")
            alternatives.append(rf"{clitic}{_context_pattern()}{clitic}" + group(f"{article}{body}"))
        if core:
            rest = "".join(_SEPARATOR + _letters(p) for p in form[1:])
            # "ل" + "الأمل" is written "للأمل": the alef drops, so the name shows as "لأمل".
            alternatives.append(
                rf"(?:[وف]{_MARK_CLASS}*)?ل{_MARK_CLASS}*" + group(rf"ل{_MARK_CLASS}*{_letters(core)}{rest}")
            )
            if sum(ch.isalpha() for ch in core) > _SHORT_NAME:
                # "مع صفوة" for "الصفوة": the article is left out; a one-word name only after a word that
                # introduces a name, since "ريادة" or "جودة" alone is an ordinary word.
                context = f"{clitic}{_context_pattern()}" if len(form) == 1 else ""
                alternatives.append(rf"{context}{clitic}" + group(f"{_letters(core)}{rest}"))
    # A Latin name may sit right after Arabic letters ("لـBlue Harbor"): only Latin letters end it.
    edge = r"\w" if arabic else r"A-Za-z0-9"
    pattern = rf"(?<![{edge}])(?:{'|'.join(alternatives)})(?![{edge}])"
    shortest = min(forms, key=len)
    needles = tuple(shortest[1:]) if len(shortest) > 1 else (shortest[0].removeprefix("ال"),)
    return _ClientName(re.compile(pattern), strict, cased, needles, frozenset(capital))


def _find_clients(text: str, client_names: Iterable[str]) -> list[_Span]:
    names = [c for c in (_client_name(n) for n in client_names) if c is not None]
    if not names:
        return []
    folded: dict[tuple[bool, bool], tuple[str, str]] = {}
    spans: list[_Span] = []
    for client in names:
        key = (client.strict, client.cased)
        if key not in folded:
            haystack = _fold(text, client.strict, client.cased)
            folded[key] = (haystack, _MARKS.sub("", haystack))
        haystack, bare = folded[key]
        if not all(needle in bare for needle in client.needles):
            continue
        for match in client.pattern.finditer(haystack):
            group = match.lastgroup or 0
            start, end = match.start(group), match.end(group)
            if group in client.capital and text[start:end].islower():
                continue
            spans.append((start, end, FindingKind.CLIENT))
    return spans
