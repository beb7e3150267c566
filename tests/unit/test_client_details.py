"""The client-privacy check: each kind of finding, false alarms, masking and the labelled corpus."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.privacy import load, score
from bot.client_details import (
    Finding,
    FindingKind,
    mask_findings,
    parse_client_list,
    scan_for_client_details,
)


def found(text: str, clients: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(f.kind.value, f.text) for f in scan_for_client_details(text, clients)]


# --- e-mail, links, handles -------------------------------------------------------------------


def test_email_found_and_not_reported_as_link_or_handle():
    assert found("write to sara@brightpath.agency today") == [("email", "sara@brightpath.agency")]


def test_email_with_subdomain_and_plus():
    assert found("m.ali+work@mail.alriyada.com.sa،") == [("email", "m.ali+work@mail.alriyada.com.sa")]


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("see https://alnoor-clinic.com/ar/services.", "https://alnoor-clinic.com/ar/services"),
        ("at www.greenleaf.com, now", "www.greenleaf.com"),
        ("the site bluewave.io loads slowly", "bluewave.io"),
        ("متجره perfume-house.sa بطيء", "perfume-house.sa"),
        ("on shop.northwind.co/cart?x=1!", "shop.northwind.co/cart?x=1"),
        ("DM me: t.me/ahmed_dev", "t.me/ahmed_dev"),
    ],
)
def test_links_and_bare_domains(text, url):
    assert found(text) == [("url", url)]


@pytest.mark.parametrize(
    "text",
    [
        "I use Node.js and ASP.NET Core, e.g. for dashboards, i.e. admin panels.",
        "Attached report.pdf, logo_final.png, main.py and notes.md.",
        "Socket.io and Vue.js, version 3.4.21, cost 3.5k.",
        "It was done.Then we shipped.",
    ],
)
def test_no_link_in_tech_names_abbreviations_or_file_names(text):
    assert found(text) == []


def test_handle_found_but_not_mentions_of_everyone_or_email_local_part():
    assert found("follow @ward_flowers_sa, ping @everyone, mail a@b.com") == [
        ("handle", "@ward_flowers_sa"),
        ("email", "a@b.com"),
    ]


def test_handle_with_dot_does_not_take_the_full_stop():
    assert found("by @nadia.designs.") == [("handle", "@nadia.designs")]


# --- phones -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "+20 10 1234 5678",
        "01012345678",
        "0551234567",
        "055-123-4567",
        "+966 55 123 4567",
        "00966 50 987 6543",
        "+971 50 123 4567",
        "079 123 4567",
        "+44 7911 123456",
        "+1 415 555 2671",
        "9912 3456",
        "٠٥٥١٢٣٤٥٦٧",
        "+٢٠ ١٠ ١٢٣٤ ٥٦٧٨",
        "٠١٢٢ ٣٤٥ ٦٧٨٩",
    ],
)
def test_phone_numbers_in_latin_and_arabic_indic_digits(phone):
    assert found(f"رقمه {phone} يا جماعة") == [("phone", phone)]
    assert found(f"call {phone}.") == [("phone", phone)]


@pytest.mark.parametrize(
    "text",
    [
        "in 2024 I charged 500$ for 3 logos",
        "السعر 1,500 ريال والخصم ٢٥٪",
        "budget 15000000 SAR, 45,000 ريال, $12000000",
        "from 2020-2024, delivered 2024-05-12, paid 05/03/2024 and 30/06/2024",
        "order #48213 and #12345678, ticket 482913",
        "invoice INV-2024-0153, ref ID_55012345",
        "version 18.17.1, 160 hours, 9:00 to 17:30",
        "ISBN 978-3-16-148410-0",
        "رقم الطلب ٤٨٢١٣ وتاريخ التسليم ٢٠٢٤/٠٥/١٢",
    ],
)
def test_no_phone_in_prices_years_dates_or_references(text):
    assert [kind for kind, _ in found(text)] == []


def test_regions_limit_which_national_numbers_count():
    text = "my number 01012345678"
    assert found(text) == [("phone", "01012345678")]
    assert scan_for_client_details(text, regions=("US",)) == []


# --- IBAN and cards -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "account",
    [
        "SA03 8000 0000 6080 1016 7519",
        "SA0380000000608010167519",
        "AE070331234567890123456",
        "GB82 WEST 1234 5698 7654 32",
        "EG38 0019 0005 0000 0000 2631 8000 2",
        "de89 3704 0044 0532 0130 00",
    ],
)
def test_iban_with_and_without_spaces(account):
    assert found(f"حوّل على {account} بعد 2024 لو سمحت") == [("iban", account)]


def test_iban_with_a_mistyped_check_digit_is_still_an_account_but_a_wrong_length_is_not():
    assert found("SA04 8000 0000 6080 1016 7519") == [("iban", "SA04 8000 0000 6080 1016 7519")]
    assert found("SA04 8000 0000 6080 1016 751") == []


@pytest.mark.parametrize(
    "card",
    ["4111-1111-1111-1111", "5500 0000 0000 0004", "3782 822463 10005", "6011111111111117"],
)
def test_card_numbers_passing_luhn(card):
    assert found(f"card {card} 2024") == [("card", card)]


def test_card_failing_luhn_or_too_short_is_not_flagged():
    assert found("4111 1111 1111 1112 and 4111 1111 1111") == []


# --- client names -----------------------------------------------------------------------------------


def test_latin_client_on_word_boundaries_and_a_one_word_name_only_with_a_capital():
    text = "Acme, ACME's team and acme; not Acmeville or MyAcme."
    assert found(text, ("Acme",)) == [("client", "Acme"), ("client", "ACME")]
    # Listed in lower case, the member writes it that way.
    assert found(text, ("acme",)) == [("client", "Acme"), ("client", "ACME"), ("client", "acme")]
    # Two words are a name in any case.
    assert found("paid by acme foods", ("Acme Foods",)) == [("client", "acme foods")]


@pytest.mark.parametrize(
    ("names", "text", "expected"),
    [
        (("علي",), "اتفقنا على السعر وعلى الموعد", []),
        (("منى",), "طلب مني تعديلات", []),
        (("هند",), "سافرت إلى الهند", []),
        (("ريم",), "عميل كريم", []),
        (("جود",), "وجود العقد مهم", []),
        (("علا",), "فعلاً كانت تجربة", []),
        (("علي",), "علي طلب تعديلات", ["علي"]),
        (("ريم*",), "وريم دفعت", ["ريم"]),
        (("الصفوة",), "اشتغلت مع صفوة", ["صفوة"]),
        (("الصفوة",), "صفوة القول", []),
        (
            ("BrightLeaf Studio",),
            "BrightLeafStudio and brightleaf-studio",
            ["BrightLeafStudio", "brightleaf-studio"],
        ),
        (("Al-Noor Trading",), "Al Noor Trading, AlNoor Trading", ["Al Noor Trading", "AlNoor Trading"]),
        (("شركة نور الخليج",), "نور الخليج دفعوا", ["نور الخليج"]),
        (('"Apple"',), "apple pie, Apple Inc", ["Apple"]),
        (("مؤسسة الأمل",), "موسسة الامل ردت", ["موسسة الامل"]),
    ],
)
def test_client_names_whole_word_short_names_and_spelling_variants(names, text, expected):
    assert [t for _, t in found(text, names)] == expected


def test_latin_client_with_several_words_across_line_break():
    assert found("Blue Harbor\nLogistics paid late", ("blue harbor logistics",)) == [
        ("client", "Blue Harbor\nLogistics")
    ]


def test_arabic_client_matches_after_normalisation():
    assert found("قصتي مع مؤسسه الامل", ("مؤسسة الأمل",)) == [("client", "مؤسسه الامل")]


def test_arabic_client_with_tashkeel_and_tatweel_keeps_original_span():
    text = "سلمت لمؤسسةِ الأمـــلِ المشروع"
    findings = scan_for_client_details(text, ["مؤسسة الأمل"])
    assert findings == [Finding(FindingKind.CLIENT, 6, 22, "مؤسسةِ الأمـــلِ")]
    assert text[findings[0].start : findings[0].end] == findings[0].text


@pytest.mark.parametrize(
    ("text", "name_text"),
    [
        ("عملت لشركة نور", "شركة نور"),
        ("وشركة نور دفعت", "شركة نور"),
        ("بشركة نور", "شركة نور"),
        ("وبالأمل", "الأمل"),
        ("للأمل", "لأمل"),
        ("وللأمل", "لأمل"),
    ],
)
def test_arabic_client_with_attached_prefixes(text, name_text):
    assert found(text, ("شركة نور", "الأمل")) == [("client", name_text)]


def test_arabic_client_is_not_found_inside_a_longer_word():
    assert found("الأملاك والتأمل", ("الأمل",)) == []


def test_one_letter_client_names_are_ignored():
    assert found("a b c", ("a", " ")) == []


# --- overlaps and masking -------------------------------------------------------------------------


def test_overlaps_keep_the_longest_finding():
    text = "Acme: omar@acme.com, acme.com and @acme"
    assert found(text, ("Acme",)) == [
        ("client", "Acme"),
        ("email", "omar@acme.com"),
        ("url", "acme.com"),
        ("handle", "@acme"),
    ]


def test_mask_english_and_arabic():
    text = "Acme: omar@acme.com or ٠٥٥١٢٣٤٥٦٧"
    findings = scan_for_client_details(text, ["Acme"])
    assert mask_findings(text, findings) == "[client]: [email] or [phone]"
    assert mask_findings(text, findings, lang="ar") == "[عميل]: [بريد] or [هاتف]"


def test_every_kind_has_a_mask_in_both_languages():
    text = "x" * 10
    for kind in FindingKind:
        finding = [Finding(kind, 2, 4, "xx")]
        en, ar = mask_findings(text, finding), mask_findings(text, finding, lang="ar")
        assert en.startswith("xx[") and en.endswith("]xxxxxx") and en != ar


def test_mask_keeps_the_rest_of_the_text_identical():
    text = "قبل mail@x.com بين https://x.sa/a بعد"
    masked = mask_findings(text, scan_for_client_details(text))
    assert masked == "قبل [email] بين [link] بعد"


def test_mask_without_findings_is_identity():
    assert mask_findings("نص عادي 2024", []) == "نص عادي 2024"


_ALPHABET = st.sampled_from([*"abc Acmeالأملةـِ٠١٥0159+-@.:#/$٪\n", "0551234567", "x@y.com", "shop.sa"])


@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_findings_are_sorted_disjoint_and_index_the_original(text):
    findings = scan_for_client_details(text, ["Acme", "الأمل"])
    for finding in findings:
        assert text[finding.start : finding.end] == finding.text
    for before, after in itertools.pairwise(findings):
        assert before.end <= after.start
    masked = mask_findings(text, findings)
    # Everything between findings survives unchanged and in order.
    cursor = 0
    for finding in findings:
        gap = text[cursor : finding.start]
        assert gap in masked
        cursor = finding.end
    assert masked.endswith(text[cursor:])


# --- client list ------------------------------------------------------------------------------------


def test_parse_client_list_trims_dedupes_and_drops_empty_lines():
    text = "  Acme Corp \n\nمؤسسة الأمل\nacme corp\nمؤسسه الامل\n\tNimbus Labs\n"
    assert parse_client_list(text) == ["Acme Corp", "مؤسسة الأمل", "Nimbus Labs"]


def test_parse_client_list_enforces_limits():
    assert parse_client_list("a\nb", max_names=2) == ["a", "b"]
    with pytest.raises(ValueError, match="more than 2"):
        parse_client_list("a\nb\nc", max_names=2)
    with pytest.raises(ValueError, match="longer than 5"):
        parse_client_list("abcdef", max_len=5)
    # Duplicates do not count towards the limit.
    assert parse_client_list("a\nA\nb", max_names=2) == ["a", "b"]


# --- the labelled development corpus ---------------------------------------------------------------


def test_dev_corpus_is_large_bilingual_and_covers_every_kind():
    corpus = load("dev")
    arabic = [case for case in corpus if case["lang"] == "ar"]
    assert len(corpus) >= 200
    assert 80 <= len(arabic) <= len(corpus) - 80
    assert sum(1 for case in corpus if not case["expected"]) >= 80
    kinds = {item["kind"] for case in corpus for item in case["expected"]}
    assert kinds == {kind.value for kind in FindingKind}
    assert len({case["id"] for case in corpus}) == len(corpus)


def test_dev_corpus_expected_texts_occur_in_their_posts():
    for case in load("dev"):
        for item in case["expected"]:
            assert item["text"] in case["text"], item


def test_dev_corpus_figures():
    result = score(load("dev"))
    assert result.precision >= 0.97 and result.recall >= 0.97
    assert result.partial_masks == 0
    assert result.clean_flagged <= 0.03 * result.clean_posts


def test_discord_markup_ids_are_not_cards_or_phones():
    text = "hi <@412345678901234567> in <#1098765432109876543> <:wave:4532015112830366> 4532015112830366"
    assert found(text) == [("card", "4532015112830366")]
