"""The demo's simulated community: about 40 freelancers, generated deterministically from a seed."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from bot.shipped import shipped

SKILLS_FILE = shipped("skills.json")

# (username, Arabic display name, Latin display name); a few write their name in Latin letters.
ARAB_NAMES = (
    ("amal", "أمل حداد", "Amal Haddad"),
    ("badr", "بدر العتيبي", "Badr Alotaibi"),
    ("chadi", "شادي منصور", "Chadi Mansour"),
    ("dalia", "داليا يوسف", "Dalia Youssef"),
    ("essam", "عصام الشريف", "Essam Elsherif"),
    ("fatima", "فاطمة الزهراء", "Fatima Zahra"),
    ("ghada", "غادة سليم", "Ghada Salim"),
    ("hamza", "حمزة بن علي", "Hamza Ben Ali"),
    ("iman", "إيمان خليل", "Iman Khalil"),
    ("jamal", "جمال الدوسري", "Jamal Aldosari"),
    ("khadija", "خديجة العلوي", "Khadija Alaoui"),
    ("lina", "لينا عبد الله", "Lina Abdallah"),
    ("majed", "ماجد القحطاني", "Majed Alqahtani"),
    ("nour", "نور الهدى", "Nour Elhouda"),
    ("omar", "Omar Farouk", "Omar Farouk"),
    ("rania", "رانيا سعيد", "Rania Said"),
    ("sami", "سامي الحسيني", "Sami Husseini"),
    ("tariq", "طارق عزيز", "Tariq Aziz"),
    ("wafa", "وفاء الرشيد", "Wafa Alrashid"),
    ("yasmin", "ياسمين فؤاد", "Yasmin Fouad"),
    ("zaid", "Zaid Haddadin", "Zaid Haddadin"),
    ("huda", "هدى المصري", "Huda Elmasry"),
    ("karim", "كريم بنّاني", "Karim Bennani"),
    ("salma", "سلمى التونسي", "Salma Tounsi"),
    ("youssef", "يوسف العمري", "Youssef Alomari"),
    ("reem", "ريم الكبيسي", "Reem Alkubaisi"),
)
OTHER_NAMES = (
    ("sarah", "Sarah Mitchell"),
    ("daniel", "Daniel Okafor"),
    ("priya", "Priya Raman"),
    ("lucas", "Lucas Meyer"),
    ("emma", "Emma Clarke"),
    ("mateo", "Mateo García"),
    ("aisha", "Aisha Bello"),
    ("tom", "Tom Becker"),
    ("hannah", "Hannah Cohen"),
    ("kenji", "Kenji Sato"),
    ("olivia", "Olivia Brown"),
    ("ahmed.k", "Ahmed Khan"),
    ("sofia", "Sofia Rossi"),
    ("james", "James Walker"),
)
FIELDS = ("programming", "design", "writing", "marketing", "video", "data", "business", "teaching")
ARAB_ZONES = (
    "Asia/Riyadh",
    "Africa/Cairo",
    "Asia/Dubai",
    "Africa/Casablanca",
    "Asia/Amman",
    "Asia/Baghdad",
    "Africa/Tunis",
    "Asia/Kuwait",
    "Asia/Beirut",
    "UTC+3",
)
OTHER_ZONES = (
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Karachi",
    "Africa/Lagos",
    "Europe/Istanbul",
    "Asia/Kolkata",
)
ABOUT = {
    "programming": ("Web apps for small shops.", "مواقع ومتاجر إلكترونية للمشاريع الصغيرة."),
    "design": ("Brands that feel local.", "هويات بصرية بروح محلية."),
    "writing": ("Words that sell, in two languages.", "نصوص تبيع، بلغتين."),
    "marketing": ("Growth for small brands.", "أساعد العلامات الصغيرة على النمو."),
    "video": ("Short videos and podcasts.", "فيديوهات قصيرة وبودكاست."),
    "data": ("Dashboards people actually read.", "لوحات بيانات يقرؤها الناس فعلًا."),
    "business": ("Helping freelancers price well.", "أساعد المستقلين على التسعير الصحيح."),
    "teaching": ("Online courses and tutoring.", "دورات ودروس عبر الإنترنت."),
}


@dataclass(frozen=True)
class Freelancer:
    """One simulated member: who they are and what they will put in their profile."""

    username: str
    display_name: str
    field: str
    skills: tuple[str, ...]
    timezone: str
    languages: str
    about: str
    arab: bool
    dms_open: bool = True
    joins_intros: bool = True


def skills_by_field(lang: str) -> dict[str, list[str]]:
    """Return the shipped skills of each field, named in ``lang``."""
    data = json.loads(SKILLS_FILE.read_text(encoding="utf-8"))
    found: dict[str, list[str]] = {}
    for skill in data["skills"]:
        found.setdefault(skill["field"], []).append(skill[lang] if lang in skill else skill["en"])
    return found


def generate_community(seed: int, lang: str, size: int = 40) -> list[Freelancer]:
    """Return ``size`` freelancers (mostly Arab, some not) with varied fields, skills and time zones."""
    rng = random.Random(seed)
    arabic_skills, english_skills = skills_by_field("ar"), skills_by_field("en")
    people: list[tuple[str, str, bool]] = [
        (user, arabic if lang == "ar" else latin, True) for user, arabic, latin in ARAB_NAMES
    ] + [(user, name, False) for user, name in OTHER_NAMES]
    rng.shuffle(people)
    people = people[:size]
    closed_dms = set(rng.sample(range(len(people)), 3))
    not_joining = set(rng.sample(sorted(set(range(len(people))) - closed_dms), 5))
    community = []
    for index, (username, name, arab) in enumerate(people):
        field = FIELDS[index % len(FIELDS)] if index < 24 else rng.choice(FIELDS)
        # Arab members mostly type skills in Arabic, everyone else in English: the catalogue unifies them.
        pool = (arabic_skills if arab and rng.random() < 0.7 else english_skills).get(
            field
        ) or english_skills[field]
        skills = tuple(rng.sample(pool, k=min(len(pool), rng.randint(2, 3))))
        zone = rng.choice(ARAB_ZONES if arab else OTHER_ZONES)
        languages = rng.choice(("ar", "ar, en", "ar, en")) if arab else rng.choice(("en", "en", "en, ar"))
        english_about, arabic_about = ABOUT[field]
        community.append(
            Freelancer(
                username=username,
                display_name=name,
                field=field,
                skills=skills,
                timezone=zone,
                languages=languages,
                about=arabic_about if arab else english_about,
                arab=arab,
                dms_open=index not in closed_dms,
                joins_intros=index not in not_joining,
            )
        )
    return community
