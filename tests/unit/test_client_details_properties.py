"""Properties of the client-privacy check on generated posts: each detail is one finding, masked whole.

Posts are clean sentences with generated details (e-mails in the ways people disguise them, phones
in local and international forms, links with paths, IBANs, handles, client names) placed between
them. Whatever hypothesis draws: every detail is found as exactly one finding of its kind covering
it, masking leaves none of it visible, and scanning the masked post again finds nothing.
"""

from __future__ import annotations

import time

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from stdnum import iban

from bot.client_details import FindingKind, mask_findings, scan_for_client_details

CLEAN = [
    "I charged too little for the first logo.",
    "The client asked for three more rounds of changes.",
    "We agreed on a deposit before starting.",
    "طلب العميل تعديلات كثيرة بعد التسليم.",
    "اتفقنا على دفعة مقدمة قبل البدء.",
    "Lesson: write the scope down before you start.",
    "كانت تجربة متعبة لكن تعلمت منها الكثير.",
    "He replied after a week, which was frustrating.",
    "تأخر الرد أسبوعًا كاملًا.",
    "Always send a written quote.",
]
JOINERS = [" ", "\n", " — ", ": ", "، ", " (", "\n\n"]
AFTER = ["", " ", ".", ",", "،", ")", "\n"]
NAMES = ["sara", "omar.k", "hala_r", "nour.design", "m.ali", "faisal22"]
LABELS = ["brightpath", "rosewater", "najd-dates", "pixelhouse", "tamrah", "lumen", "zadclinic"]
SUFFIXES = [
    "com",
    "sa",
    "com.sa",
    "io",
    "agency",
    "studio",
    "clinic",
    "co.uk",
    "ae",
    "net",
    "store",
    "gle",
    "gy",
]
MAIL_SUFFIXES = ["com", "sa", "com.sa", "io", "agency", "net", "ae"]
CLIENTS = ["Blue Harbor Logistics", "Acme Foods", "مؤسسة الأمل للتسويق", "شركة نور الخليج", "Qamar Studio"]


def digits(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


@st.composite
def emails(draw: st.DrawFn) -> str:
    local, label = draw(st.sampled_from(NAMES)), draw(st.sampled_from(LABELS))
    suffix = draw(st.sampled_from(MAIL_SUFFIXES))
    style = draw(st.sampled_from(["plain", "brackets", "words", "parens", "spaced", "arabic"]))
    if style == "plain":
        return f"{local}@{label}.{suffix}"
    if style == "spaced":
        return f"{local} @ {label}.{suffix}"
    if style == "brackets":
        return f"{local}[at]{label}[dot]{suffix.replace('.', '[dot]')}"
    if style == "parens":
        return f"{local} (at) {label}.{suffix}"
    provider = draw(st.sampled_from(["gmail", "outlook", "hotmail", "yahoo"]))
    if style == "words":
        return f"{local.replace('.', '_')} at {provider} dot com"
    return f"{local.replace('.', '_')} آت {provider} دوت com"


def _group(number: str, sizes: list[int], separator: str) -> str:
    parts, cursor = [], 0
    for size in sizes:
        parts.append(number[cursor : cursor + size])
        cursor += size
    parts.append(number[cursor:])
    return separator.join(p for p in parts if p)


@st.composite
def phones(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["sa", "sa_intl", "eg", "ye", "ae_intl", "sa_bare"]))
    separator = draw(st.sampled_from([" ", "-", "", " "]))
    if kind in ("sa", "sa_intl", "sa_bare"):
        subscriber = draw(st.sampled_from("01345689")) + draw(digits(7))
        national = "5" + subscriber
        if kind == "sa":
            number = _group("0" + national, [3, 3], separator)
        elif kind == "sa_intl":
            number = "+966 " + _group(national, [2, 3], separator)
        else:
            number = national
    elif kind == "eg":
        number = _group("01" + draw(st.sampled_from("0125")) + draw(digits(8)), [4, 3], separator)
    elif kind == "ye":
        national = "7" + draw(st.sampled_from("0137")) + draw(digits(7))
        number = _group(national, [3, 3], separator or " ")
    else:
        number = "+971 " + _group("5" + draw(st.sampled_from("024568")) + draw(digits(7)), [2, 3], separator)
    digits_only = "".join(ch for ch in number if ch.isdigit())
    assume(len(set(digits_only)) > 3)
    # Sometimes the line wraps inside the number.
    if draw(st.booleans()) and " " in number.strip():
        head, _, tail = number.rpartition(" ")
        number = f"{head}\n{tail}"
    return number


@st.composite
def links(draw: st.DrawFn) -> str:
    host = draw(st.sampled_from(LABELS)) + "." + draw(st.sampled_from(SUFFIXES))
    if draw(st.booleans()):
        host = draw(st.sampled_from(["www", "shop", "maps.app", "app"])) + "." + host
    path = draw(st.sampled_from(["", "/", "/ar/about", "/x?id=55&ref=ig", "/p/AbC123xyz", "/work/2024"]))
    scheme = draw(st.sampled_from(["", "", "https://", "http://"]))
    return f"{scheme}{host}{path}"


@st.composite
def ibans(draw: st.DrawFn) -> str:
    bban = "80" + draw(digits(18))
    number = f"SA{iban.calc_check_digits('SA00' + bban)}{bban}"
    if draw(st.booleans()):
        number = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    return number


handles = st.builds(
    lambda first, rest: f"@{first}{rest}",
    st.sampled_from("abcdefghijklmnopqrstuvwxyz"),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=3, max_size=12),
).filter(lambda h: not h.endswith("_"))

DETAILS = {
    FindingKind.EMAIL: emails(),
    FindingKind.PHONE: phones(),
    FindingKind.URL: links(),
    FindingKind.IBAN: ibans(),
    FindingKind.HANDLE: handles,
    FindingKind.CLIENT: st.sampled_from(CLIENTS),
}


@st.composite
def posts(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, FindingKind]]]:
    """A post of clean sentences with details between them, and where each detail sits."""
    text = draw(st.sampled_from(CLEAN))
    placed: list[tuple[int, int, FindingKind]] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(list(DETAILS)))
        detail = draw(DETAILS[kind])
        text += draw(st.sampled_from(JOINERS))
        placed.append((len(text), len(text) + len(detail), kind))
        text += detail + draw(st.sampled_from(AFTER)) + " " + draw(st.sampled_from(CLEAN))
    return text, placed


PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_the_clean_sentences_are_clean():
    for sentence in CLEAN:
        assert scan_for_client_details(sentence, CLIENTS) == []


@PROPERTY
@given(posts())
def test_each_detail_is_one_finding_of_its_kind_covering_it_whole(post):
    text, placed = post
    findings = scan_for_client_details(text, CLIENTS)
    for start, end, kind in placed:
        covering = [f for f in findings if f.start < end and start < f.end]
        assert len(covering) == 1, (text[start:end], covering)
        [finding] = covering
        assert (finding.start, finding.end) == (start, end), (text[start:end], finding)
        assert finding.kind == kind, (text[start:end], finding)
    assert len(findings) == len(placed), findings


@PROPERTY
@given(posts(), st.sampled_from(["en", "ar"]))
def test_masking_leaves_nothing_of_any_detail_and_a_second_scan_finds_nothing(post, lang):
    text, placed = post
    masked = mask_findings(text, scan_for_client_details(text, CLIENTS), lang)
    for start, end, _ in placed:
        detail = text[start:end]
        assert detail not in masked
        # Not even a telling piece of it: its longest word is gone too.
        assert max(detail.split(), key=len) not in masked
    assert scan_for_client_details(masked, CLIENTS) == []


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="0123456789 -+().\n@a[]:/x", min_size=3000, max_size=4000))
def test_cost_is_bounded_on_any_text_of_digits_and_separators(text):
    started = time.thread_time()
    scan_for_client_details(text, CLIENTS)
    # CPU time, so a busy machine does not fail it; the bench reports the p99.
    assert time.thread_time() - started < 0.25
