"""The narrator's words in the demo transcript (the bot's own messages come from its catalogue)."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "title": {
        "ar": "مجلس — عرض تجريبي: شهر في مجتمع من المستقلين (عددهم {count})",
        "en": "Majlis demo — a month in a community of {count} freelancers",
    },
    "setup": {
        "ar": "اليوم الأول · الإعداد والملفات الشخصية",
        "en": "Day one · set-up and profiles",
    },
    "week": {"ar": "الأسبوع {week} · {when}", "en": "Week {week} · {when}"},
    "end": {"ar": "نهاية الشهر · الحالة والإحصاءات", "en": "End of the month · status and stats"},
    "only": {"ar": "لا يراها إلا {who}", "en": "only {who} sees"},
    "dm": {"ar": "رسالة خاصة إلى {who}", "en": "DM to {who}"},
    "private_thread": {"ar": "سلسلة خاصة", "en": "private thread"},
    "more_profiles": {
        "ar": "وأعضاء آخرون (عددهم {count}) يملؤون ملفاتهم وينضمّون إلى التعارف.",
        "en": "…and {count} more members fill in their profiles and join the intros.",
    },
    "more_threads": {
        "ar": "وسلاسل خاصة أخرى (عددها {count}): {groups}",
        "en": "…and {count} more private threads: {groups}",
    },
    "more_messages": {"ar": "ورسائل أخرى هنا (عددها {count}).", "en": "…and {count} more messages here."},
    "answers": {
        "ar": "أعضاء (عددهم {count}) يجيبون في سلسلة سؤال الأسبوع، ويتفاعل الآخرون.",
        "en": "{count} members answer in the prompt thread; others react.",
    },
    "checkins": {
        "ar": "يجيب الأعضاء عن سؤال المتابعة — التقوا: {met}، ليس بعد: {not_yet}، تعذّر اللقاء: {couldnt}.",
        "en": "Members answer the check-in: {met} met, {not_yet} not yet, {couldnt} couldn't.",
    },
    "leaves": {
        "ar": "{who}: مغادرة الخادم والخروج من جولات التعارف.",
        "en": "{who} leaves the server; they drop out of the intro rounds.",
    },
    "share": {
        "ar": "مشاركة تجربة وفحص خصوصية العملاء",
        "en": "Sharing an experience (share) and the client-privacy check",
    },
    "swaps": {
        "ar": "تبادل المهارات: مباشر وثلاثي",
        "en": "Skill swaps (swaps): direct and a three-way cycle",
    },
    "swap_done": {"ar": "اكتمال تبادل وشكر الشريك", "en": "A swap is done, with thanks (swaps)"},
    "chart": {"ar": "حُفظ رسم الإحصاءات في {path}", "en": "The stats chart was saved to {path}"},
    "page": {"ar": "صفحة الخادم المحاكى: {path}", "en": "The simulated server as a web page: {path}"},
    "typed": {"ar": "كتابة", "en": "writes"},
    "clicks": {"ar": "ضغطة على", "en": "clicks"},
    "submits": {"ar": "إرسال النموذج", "en": "submits the form"},
    "html_title": {"ar": "مجلس — الخادم المحاكى", "en": "Majlis — the simulated server"},
    "html_dms": {"ar": "الرسائل الخاصة", "en": "Direct messages"},
    "html_threads": {"ar": "السلاسل", "en": "Threads"},
    "html_members": {"ar": "الأعضاء", "en": "Members"},
}


def say(lang: str, key: str, **params: object) -> str:
    """Return a narrator line in ``lang``."""
    return LABELS[key][lang].format(**params)
