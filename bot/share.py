"""Experience sharing: drafts, the privacy check's verdict, masking, forum tags and search text."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from bot.client_details import Finding, FindingKind, mask_findings, registrable_name, scan_for_client_details
from bot.errors import MajlisError
from bot.fields import FIELDS, Field, find_field, get_field
from bot.i18n import t
from bot.text import isolate, literal, literal_parts, normalize_key, normalize_text

TITLE_MAX = 100  # a forum thread's name is at most 100 characters
STORY_MAX = 1500
LESSON_MAX = 400
TAGS_TEXT_MAX = 100
TAGS_MAX = 5  # Discord applies at most 5 tags to a forum post
FORUM_TAGS_MAX = 20  # and a forum holds at most 20
TAG_NAME_MAX = 20
MESSAGE_MAX = 2000
QUERY_MAX = 200
FINDING_SHOWN_MAX = 60
FINDING_OPTIONS_MAX = 25  # a select menu holds at most 25 options
OPTION_LABEL_MAX = 100  # and each label at most 100 characters
IGNORED_WORD_MAX = 100
QUERY_TERMS_MAX = 12
DRAFT_LIFETIME = timedelta(days=1)
DRAFT_PARTS = ("title", "story", "lesson")

_TAG_SEPARATORS = re.compile(r"[,،;؛\n]+")
# A word for search includes its tashkeel and tatweel, which normalisation then removes.
_WORD = re.compile(r"[\w\u0610-\u061a\u064b-\u065f\u0670\u0640]+")
# Conjunctions and prepositions glued to the Arabic article: "والتسعير", "بالعقد", "للعميل".
_ARABIC_ARTICLE = re.compile(r"^(?:[وفبك]?ال|[وف]?لل)(?=\w\w)")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")
_ARABIC_CLITICS = ("و", "ف", "ب", "ل")


@dataclass(frozen=True)
class ShareDraft:
    """What the author typed into the `/share post` modal, trimmed and within the limits."""

    title: str
    story: str
    lesson: str
    tags_text: str = ""

    def part(self, name: str) -> str:
        """Return one of the checked parts: title, story or lesson."""
        return str(getattr(self, name))


@dataclass(frozen=True)
class PrivacyReport:
    """The privacy check's findings in each part of a draft (spans index that part)."""

    title: tuple[Finding, ...] = ()
    story: tuple[Finding, ...] = ()
    lesson: tuple[Finding, ...] = ()

    @property
    def clean(self) -> bool:
        """Tell whether nothing was found."""
        return not self.findings()

    def findings(self) -> list[Finding]:
        """Return every finding, title first."""
        return [*self.title, *self.story, *self.lesson]


@dataclass(frozen=True)
class PostText:
    """A shared post as it goes to the forum: the thread name and its messages."""

    thread_name: str
    messages: list[str]


def validate_draft(title: str, story: str, lesson: str, tags_text: str = "") -> ShareDraft:
    """Trim the modal's values and enforce every limit before anything is stored."""
    draft = ShareDraft(title.strip(), story.strip(), lesson.strip(), tags_text.strip())
    limits = {"title": TITLE_MAX, "story": STORY_MAX, "lesson": LESSON_MAX}
    for name, limit in limits.items():
        value = draft.part(name)
        if not value:
            raise MajlisError(f"share.empty_{name}")
        if len(value) > limit:
            raise MajlisError(f"share.too_long_{name}", limit=limit, length=len(value))
    if len(draft.tags_text) > TAGS_TEXT_MAX:
        raise MajlisError("share.too_long_tags", limit=TAGS_TEXT_MAX, length=len(draft.tags_text))
    parse_tags(draft.tags_text)
    return draft


def parse_tags(text: str) -> list[str]:
    """Resolve comma-separated field keys or names (Arabic or English) to field keys."""
    keys: list[str] = []
    for raw in _TAG_SEPARATORS.split(text):
        name = raw.strip().lstrip("#").strip()
        if not name:
            continue
        field = find_field(name) or _find_field_loosely(name)
        if field is None:
            raise MajlisError("share.unknown_tag", tag=literal(name[:40]))
        if field.key not in keys:
            keys.append(field.key)
    if len(keys) > TAGS_MAX:
        raise MajlisError("share.too_many_tags", limit=TAGS_MAX)
    return keys


def _find_field_loosely(name: str) -> Field | None:
    """Match "تصميم" to "التصميم" and "Business" to "Business & consulting"."""
    wanted = _stem_key(name)
    for field in FIELDS:
        names = (field.key, field.en, field.ar, tag_name_for(field.key, "en"), tag_name_for(field.key, "ar"))
        if wanted in {_stem_key(n) for n in names}:
            return field
    return None


def _stem_key(text: str) -> str:
    return " ".join(search_tokens(normalize_key(text)))


def post_fields(draft: ShareDraft, profile_field: str | None) -> list[str]:
    """Return the post's fields: the typed tags, else the author's profile field."""
    keys = parse_tags(draft.tags_text)
    if not keys and profile_field and get_field(profile_field):
        keys = [profile_field]
    return keys


def check_draft(
    draft: ShareDraft, client_names: Iterable[str] = (), ignored: Iterable[str] = ()
) -> PrivacyReport:
    """Run the client-privacy check over the title, story and lesson, leaving out what the author waved through."""
    names, skip = list(client_names), list(ignored)
    found = {
        name: tuple(scan_for_client_details(draft.part(name), names, ignored=skip)) for name in DRAFT_PARTS
    }
    return PrivacyReport(**found)


@dataclass(frozen=True)
class FindingChoice:
    """One found text as the author can pick it in a select menu (every occurrence at once)."""

    value: str
    label: str
    finding: Finding


def finding_key(finding: Finding) -> str:
    """Return a short stable key for a found text (a select option's value), the same in any spelling."""
    return f"{zlib.crc32(normalize_text(finding.text).encode()):08x}"


def finding_choices(report: PrivacyReport, lang: str) -> list[FindingChoice]:
    """List the distinct found texts, first seen first, as select options within Discord's limits."""
    choices: dict[str, FindingChoice] = {}
    for finding in report.findings():
        key = finding_key(finding)
        if key in choices:
            continue
        kind = t(lang, f"share.kind.{finding.kind.value}")
        shown = " ".join(finding.text.split())
        choices[key] = FindingChoice(key, _shorten(f"{kind}: {shown}", OPTION_LABEL_MAX), finding)
    return list(choices.values())[:FINDING_OPTIONS_MAX]


def client_name_from(finding: Finding) -> str | None:
    """Return the client name a finding points at (a handle's or a site's name), or None for numbers."""
    if finding.kind is FindingKind.HANDLE:
        return finding.text.lstrip("@") or None
    if finding.kind in (FindingKind.URL, FindingKind.EMAIL):
        return registrable_name(finding.text)
    return None


def mask_draft(draft: ShareDraft, report: PrivacyReport, lang: str) -> ShareDraft:
    """Replace every finding with its mask (`[email]`, `[عميل]`…) in the author's language."""
    masked = {name: mask_findings(draft.part(name), getattr(report, name), lang) for name in DRAFT_PARTS}
    # A mask can be longer than what it hides; a thread name must stay within Discord's limit.
    masked["title"] = _shorten(masked["title"], TITLE_MAX)
    return replace(draft, **masked)


def describe_findings(report: PrivacyReport, lang: str, limit: int = 15) -> str:
    """List what the check found, one line per finding, the found text shown as code."""
    lines = []
    for finding in report.findings()[:limit]:
        # Shortened: fifteen long links must still fit the 2,000-character reply with its buttons.
        shown = _shorten(finding.text.replace("`", "'").replace("\n", " "), FINDING_SHOWN_MAX)
        kind = t(lang, f"share.kind.{finding.kind.value}")
        lines.append(f"• {kind}: `{isolate(shown)}`")
    extra = len(report.findings()) - limit
    if extra > 0:
        lines.append(t(lang, "share.findings_more", count=extra))
    return "\n".join(lines)


def compose_post(draft: ShareDraft, author_id: int, fields: Sequence[str], lang: str) -> PostText:
    """Lay out a shared post: story, lesson, fields and the author's credit, in Discord-sized messages."""
    field_names = (
        "، ".join(_field_label(k, lang) for k in fields)
        if lang == "ar"
        else ", ".join(_field_label(k, lang) for k in fields)
    )
    messages = _Messages(MESSAGE_MAX)
    messages.line(f"**{t(lang, 'share.post_story')}**")
    messages.member(draft.story)
    messages.line("")
    messages.line(f"**{t(lang, 'share.post_lesson')}**")
    messages.member(draft.lesson)
    messages.line("")
    messages.line(t(lang, "share.post_credit", author=f"<@{author_id}>"))
    if field_names:
        messages.line(t(lang, "share.post_fields", fields=field_names))
    return PostText(_shorten(draft.title, TITLE_MAX), messages.done())


class _Messages:
    """Lines packed into messages of at most `limit` characters; member text cut before it is escaped."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.sent: list[str] = []
        self.lines: list[str] = []

    def room(self) -> int:
        return self.limit - len("\n".join(self.lines)) - (1 if self.lines else 0)

    def line(self, text: str) -> None:
        if self.lines and self.room() < len(text):
            self.flush()
        self.lines.append(text)

    def member(self, text: str) -> None:
        room = self.room()
        if room < self.limit // 4:
            self.flush()
            room = self.limit
        for index, part in enumerate(literal_parts(text, self.limit, room)):
            if index:
                self.flush()
            self.lines.append(part)

    def flush(self) -> None:
        chunk = "\n".join(self.lines).strip()
        if chunk:
            self.sent.append(chunk)
        self.lines = []

    def done(self) -> list[str]:
        self.flush()
        return self.sent


def _field_label(key: str, lang: str) -> str:
    field = get_field(key)
    return f"{field.emoji} {field.name(lang)}" if field else key


def split_message(text: str, limit: int = MESSAGE_MAX) -> list[str]:
    """Split text into messages of at most `limit` characters, at line or word breaks when possible."""
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut < limit // 2:
            cut = limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].strip()
    if rest:
        chunks.append(rest)
    return chunks


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- forum tags ------------------------------------------------------------------------------------


def tag_name_for(field_key: str, lang: str) -> str:
    """Name a field's forum tag (at most 20 characters) in the guild's language."""
    field = get_field(field_key)
    if field is None:
        return field_key[:TAG_NAME_MAX]
    name = field.name(lang)
    if len(name) <= TAG_NAME_MAX:
        return name
    # "Business & consulting", "البيانات والذكاء الاصطناعي": the first half names the field well enough.
    first = re.split(r" & | و", name, maxsplit=1)[0]
    return first[:TAG_NAME_MAX]


def tag_matches_field(tag_name: str, field_key: str) -> bool:
    """Tell whether an existing forum tag stands for a field (any language, with or without "ال")."""
    field = get_field(field_key)
    if field is None:
        return False
    names = {field.key, field.en, field.ar, tag_name_for(field_key, "en"), tag_name_for(field_key, "ar")}
    return _stem_key(tag_name) in {_stem_key(n) for n in names}


# --- search ------------------------------------------------------------------------------------------


def search_tokens(text: str) -> list[str]:
    """Split text into search terms: normalised, with the Arabic article and its prefixes removed."""
    words = _WORD.findall(normalize_text(text))
    return [_ARABIC_ARTICLE.sub("", w) for w in words if w.strip("_")]


def index_text(text: str) -> str:
    """Return the text the FTS index holds for a document (the same treatment as a query)."""
    return " ".join(search_tokens(text))


def validate_query(query: str) -> str:
    """Trim a search query and enforce its limits."""
    query = query.strip()
    if not query:
        raise MajlisError("share.search_empty")
    if len(query) > QUERY_MAX:
        raise MajlisError("share.search_too_long", limit=QUERY_MAX)
    if not search_tokens(query):
        raise MajlisError("share.search_no_terms")
    return query


def fts_query(query: str, *, any_term: bool = False) -> str | None:
    """Build a safe FTS5 MATCH expression: each term quoted (so `"`, `*`, `AND`, `NEAR` are plain text)."""
    terms = list(dict.fromkeys(search_tokens(query)))[:QUERY_TERMS_MAX]
    if not terms:
        return None
    return (" OR " if any_term else " AND ").join(_term_expression(term) for term in terms)


def _term_expression(term: str) -> str:
    """Quote one term (FTS syntax in it is plain text); add the forms Arabic glues onto a word."""
    # Prefix matching finds "pricing" from "pric"; short terms stay exact.
    star = "*" if len(term) >= 3 else ""
    forms = [term]
    if _ARABIC_LETTER.match(term) and len(term) >= 3:
        # "وأسعار", "بعقد", "لعميل": the conjunction or preposition stays on a word without the article.
        forms += [prefix + term for prefix in _ARABIC_CLITICS]
    quoted = [f'"{form.replace(chr(34), chr(34) * 2)}"{star}' for form in forms]
    return quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")"


def make_snippet(text: str, query: str, width: int = 180) -> str:
    """Cut the part of `text` around the first query term, terms in bold, markdown escaped."""
    terms = set(search_tokens(query))
    flat = " ".join(text.split())
    words = list(_WORD.finditer(flat))
    hits = [m for m in words if _word_matches(m.group(), terms)]
    start = 0
    if hits:
        start = max(0, hits[0].start() - width // 3)
        if start:
            space = flat.find(" ", start)
            start = space + 1 if 0 <= space < hits[0].start() else start
    end = min(len(flat), start + width)
    if end < len(flat):
        space = flat.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    parts, cursor = [], start
    for match in hits:
        if match.start() < start or match.end() > end:
            continue
        parts.append(_escape(flat[cursor : match.start()]))
        parts.append(f"**{_escape(match.group())}**")
        cursor = match.end()
    parts.append(_escape(flat[cursor:end]))
    snippet = "".join(parts)
    return ("…" if start else "") + snippet + ("…" if end < len(flat) else "")


def _word_matches(word: str, terms: set[str]) -> bool:
    tokens = search_tokens(word)
    if not tokens:
        return False
    token = tokens[0]
    forms = {token}
    if _ARABIC_LETTER.match(token) and token[0] in _ARABIC_CLITICS:
        forms.add(token[1:])
    return any(form == term or (len(term) >= 3 and form.startswith(term)) for form in forms for term in terms)


def _escape(text: str) -> str:
    return literal(text)


def thread_link(guild_id: int, thread_id: int) -> str:
    """Return the jump link to a thread."""
    return f"https://discord.com/channels/{guild_id}/{thread_id}"
