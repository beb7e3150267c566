"""`/profile set|show|find`: the profile every other feature matches on."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import discord
from discord import app_commands

from bot.client import MajlisBot
from bot.cog import GuildInteraction, MajlisCog, OwnedView, guild_command, send
from bot.cooldowns import cooldown
from bot.errors import MajlisError
from bot.fields import FIELDS, field_name, get_field
from bot.i18n import ADDRESSING, LANGUAGES, t
from bot.profile_card import (
    ResultPage,
    SpokenLanguageError,
    parse_languages,
    profile_card,
    results_page,
    skill_list_choices,
)
from bot.skills import SkillInputError, default_catalogue
from bot.storage import guilds as guild_store
from bot.storage import profiles as profile_store
from bot.text import clip, isolate, literal
from bot.timezones import TimezoneInputError, parse_timezone

log = logging.getLogger(__name__)

# Typing "-" for a text option clears it ("I no longer want an about text").
CLEAR = "-"
# How long the searcher may page through results before the buttons are disabled.
RESULTS_TIMEOUT = 600.0
# Discord options are generous; these only stop absurd input before our own checks explain limits.
SKILLS_OPTION_MAX = 1000
ABOUT_OPTION_MAX = 1000

FIELD_CHOICES = [app_commands.Choice(name=f"{f.emoji} {f.en} · {f.ar}", value=f.key) for f in FIELDS]
LANGUAGE_CHOICES = [
    app_commands.Choice(name="العربية · Arabic", value="ar"),
    app_commands.Choice(name="English · الإنجليزية", value="en"),
]
# Discord shows choice names as written (it has no Arabic locale), so each carries both languages.
ADDRESSING_CHOICES = [
    app_commands.Choice(name="أنتَ · masculine", value="masculine"),
    app_commands.Choice(name="أنتِ · feminine", value="feminine"),
    app_commands.Choice(name="محايد · neutral", value="neutral"),
]


def _shown(text: str, limit: int = 60) -> str:
    """Clip a member's input for quoting it back in an error message, as literal text."""
    text = " ".join(text.split())
    return isolate(literal(clip(text, limit)))


def parse_profile_options(
    *,
    field: str | None,
    skills: str | None,
    timezone: str | None,
    languages: str | None,
    about: str | None,
) -> dict[str, Any]:
    """Validate every given option and return the profile changes; raise MajlisError before anything is stored."""
    changes: dict[str, Any] = {}
    if field is not None:
        if get_field(field) is None:
            raise MajlisError("profile.bad_field", value=_shown(field))
        changes["field"] = field
    if skills is not None:
        try:
            changes["skills"] = [] if skills.strip() == CLEAR else default_catalogue().parse_list(skills)
        except SkillInputError as error:
            if error.reason == "too_many":
                raise MajlisError("profile.too_many_skills", limit=error.limit) from error
            raise MajlisError(
                "profile.skill_too_long", skill=_shown(error.detail), limit=error.limit
            ) from error
    if timezone is not None:
        if timezone.strip() == CLEAR:
            changes["timezone"] = None
        else:
            try:
                changes["timezone"] = parse_timezone(timezone)
            except TimezoneInputError as error:
                key = "profile.bad_offset" if error.reason == "offset_range" else "profile.bad_timezone"
                raise MajlisError(key, value=_shown(timezone)) from error
    if languages is not None:
        try:
            changes["languages"] = [] if languages.strip() == CLEAR else parse_languages(languages)
        except SpokenLanguageError as error:
            if error.reason == "too_many":
                raise MajlisError("profile.too_many_languages", limit=error.limit) from error
            raise MajlisError("profile.bad_language", value=_shown(error.detail)) from error
    if about is not None:
        text = about.strip()
        if len(text) > profile_store.ABOUT_MAX:
            raise MajlisError("profile.about_too_long", length=len(text), limit=profile_store.ABOUT_MAX)
        changes["about"] = None if text in ("", CLEAR) else text
    return changes


class FindResultsView(OwnedView):
    """Previous/Next over `/profile find` results; only the searcher may page."""

    def __init__(
        self, *, searcher_id: int, lang: str, pages: int, build: Callable[[int], ResultPage]
    ) -> None:
        super().__init__(searcher_id, timeout=RESULTS_TIMEOUT)
        self.page = 0
        self.pages = pages
        self.build = build
        self.origin: discord.Interaction | None = None
        self.previous.label = t(lang, "profile.find.previous")
        self.next.label = t(lang, "profile.find.next")
        self._show_page_buttons()

    def _show_page_buttons(self) -> None:
        self.previous.disabled = self.page <= 0
        self.next.disabled = self.page >= self.pages - 1

    async def _turn(self, interaction: discord.Interaction, page: int) -> None:
        shown = self.build(page)
        self.page = shown.page
        self.pages = shown.pages
        self._show_page_buttons()
        await interaction.response.edit_message(embed=discord.Embed.from_dict(shown.embed), view=self)

    @discord.ui.button(
        label="Previous",
        emoji="◀️",
        style=discord.ButtonStyle.secondary,
        custom_id="majlis:profile:find:previous",
    )
    async def previous(self, interaction: discord.Interaction, _button: discord.ui.Button[Any]) -> None:
        """Show the previous page."""
        await self._turn(interaction, self.page - 1)

    @discord.ui.button(
        label="Next", emoji="▶️", style=discord.ButtonStyle.secondary, custom_id="majlis:profile:find:next"
    )
    async def next(self, interaction: discord.Interaction, _button: discord.ui.Button[Any]) -> None:
        """Show the next page."""
        await self._turn(interaction, self.page + 1)

    async def on_timeout(self) -> None:
        """Disable the buttons so a stale page does not look clickable."""
        self.previous.disabled = self.next.disabled = True
        if self.origin is None:
            return
        try:
            await self.origin.edit_original_response(view=self)
        except discord.HTTPException as error:
            log.info("could not disable the search buttons: %s", error)


class Profiles(MajlisCog):
    """Create, show and search member profiles."""

    profile = app_commands.Group(
        name="profile", description="Your freelancer profile: what peers see and match on", guild_only=True
    )

    async def _counts(self, guild_id: int, user_id: int) -> dict[str, int]:
        """Sum what the features count for a member (peers met, swaps done)."""
        counts: dict[str, int] = {}
        for counter in self.bot.profile_counters:
            try:
                found = await counter(guild_id, user_id)
            except Exception:  # one feature's broken counter must not hide the whole card
                log.warning("a profile counter failed", exc_info=True)
                continue
            for key, value in found.items():
                counts[key] = counts.get(key, 0) + int(value)
        return counts

    async def _card(
        self, member: discord.abc.User, profile: profile_store.Profile, lang: str
    ) -> discord.Embed:
        counts = await self._counts(profile.guild_id, profile.user_id)
        data = profile_card(
            profile,
            lang=lang,
            name=member.display_name,
            now=self.bot.clock.now(),
            counts=counts,
            avatar_url=member.display_avatar.url,
        )
        return discord.Embed.from_dict(data)

    @guild_command(
        profile, name="set", description="Create or update your profile; only the options you give change"
    )
    @cooldown("profile.set")
    @app_commands.describe(
        field="Your freelance field",
        skills='Comma-separated skills, e.g. logo design, WordPress, ترجمة ("-" clears)',
        timezone="Your time zone: a city, an IANA name or an offset like UTC+3",
        languages="Languages you speak, e.g. ar, en, fr (at most 6)",
        about='A few words about your work (at most 300 characters; "-" clears)',
        language="The language Majlis talks to you in",
        addressing="How Arabic messages address you: masculine, feminine or neutral (the default)",
    )
    @app_commands.choices(field=FIELD_CHOICES, language=LANGUAGE_CHOICES, addressing=ADDRESSING_CHOICES)
    async def set_profile(
        self,
        interaction: GuildInteraction,
        field: str | None = None,
        skills: app_commands.Range[str, 1, SKILLS_OPTION_MAX] | None = None,
        timezone: app_commands.Range[str, 1, 100] | None = None,
        languages: app_commands.Range[str, 1, 200] | None = None,
        about: app_commands.Range[str, 1, ABOUT_OPTION_MAX] | None = None,
        language: str | None = None,
        addressing: str | None = None,
    ) -> None:
        """Validate every option first, then store them all; a rejected input changes nothing."""
        changes = parse_profile_options(
            field=field, skills=skills, timezone=timezone, languages=languages, about=about
        )
        if language is not None and language not in LANGUAGES:
            raise MajlisError("error.bad_input")
        if addressing is not None and addressing not in ADDRESSING:
            raise MajlisError("error.bad_input")
        if not changes and language is None and addressing is None:
            raise MajlisError("profile.nothing_given")

        db = self.bot.db
        if changes:
            await profile_store.save_profile(
                db, interaction.guild_id, interaction.user.id, now=self.bot.clock.now(), **changes
            )
            if skills and changes.get("skills"):
                await profile_store.remember_typed_skills(db, interaction.guild_id, skills)
        if language is not None:
            await guild_store.set_member_language(db, interaction.guild_id, interaction.user.id, language)
        if addressing is not None:
            await guild_store.set_member_addressing(db, interaction.guild_id, interaction.user.id, addressing)

        lang = await self.lang(interaction)
        lines = []
        if language is not None:
            lines.append(t(lang, "profile.language_set", language=t(lang, f"language.{language}")))
        if addressing is not None:
            lines.append(t(lang, "profile.addressing_set"))
        profile = await profile_store.get_profile(db, interaction.guild_id, interaction.user.id)
        if profile is None:
            await send(interaction, "\n".join(lines), ephemeral=True)
            return
        if changes:
            lines.append(t(lang, "profile.saved"))
        await send(
            interaction, "\n".join(lines) or None, embed=await self._card(interaction.user, profile, lang)
        )

    @set_profile.autocomplete("skills")
    async def skills_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Complete the last skill of the list from the guild's skills and the shipped list."""
        lang = await self.lang(interaction)
        known = await profile_store.guild_skills(self.bot.db, interaction.guild_id or 0)
        return [
            app_commands.Choice(name=name, value=value)
            for name, value in skill_list_choices(current, lang, known.keys, labels=known.labels)
        ]

    @set_profile.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Offer IANA zones and cities, the Arab region first."""
        return await self.timezone_choices(interaction, current)

    @guild_command(profile, name="show", description="Show a profile card: yours, or another member's")
    @app_commands.describe(member="Whose profile to show (you, when left empty)")
    async def show(self, interaction: GuildInteraction, member: discord.Member | None = None) -> None:
        """Show a member's profile card in the viewer's language."""
        target: discord.abc.User = member or interaction.user
        lang = await self.lang(interaction)
        profile = await profile_store.get_profile(self.bot.db, interaction.guild_id, target.id)
        if profile is None:
            if target.id == interaction.user.id:
                await send(interaction, t(lang, "profile.none_self"))
            else:
                await send(
                    interaction, t(lang, "profile.none_other", name=isolate(literal(target.display_name)))
                )
            return
        await send(interaction, embed=await self._card(target, profile, lang))

    @guild_command(profile, name="find", description="Find members with a skill or in a field")
    @cooldown("profile.find")
    @app_commands.describe(skill="A skill, in Arabic or English", field="A freelance field")
    @app_commands.choices(field=FIELD_CHOICES)
    async def find(
        self,
        interaction: GuildInteraction,
        skill: app_commands.Range[str, 1, 100] | None = None,
        field: str | None = None,
    ) -> None:
        """List discoverable members with that skill and/or field, a page at a time."""
        catalogue = default_catalogue()
        skill_key = catalogue.canonical(skill) if skill else None
        if not skill_key and not field:
            raise MajlisError("profile.find.needs_query")
        if field is not None and get_field(field) is None:
            raise MajlisError("profile.bad_field", value=_shown(field))
        lang = await self.lang(interaction)
        found = await self._discoverable(interaction, skill_key=skill_key, field=field)
        if not found:
            await send(interaction, t(lang, "profile.find.none"))
            return

        query = " · ".join(
            part
            for part in (
                catalogue.display(skill_key, lang, found[0].skill_labels) if skill_key else None,
                field_name(field, lang) if field else None,
            )
            if part
        )

        def build(page: int) -> ResultPage:
            return results_page(
                found, page=page, lang=lang, query=query, now=self.bot.clock.now(), matched_skill=skill_key
            )

        first = build(0)
        if first.pages == 1:
            await send(interaction, embed=discord.Embed.from_dict(first.embed))
            return
        view = FindResultsView(searcher_id=interaction.user.id, lang=lang, pages=first.pages, build=build)
        await send(interaction, embed=discord.Embed.from_dict(first.embed), view=view)
        view.origin = interaction

    @find.autocomplete("skill")
    async def find_skill_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Offer the guild's skills and the shipped list, in either language."""
        lang = await self.lang(interaction)
        known = await profile_store.guild_skills(self.bot.db, interaction.guild_id or 0)
        return [
            app_commands.Choice(name=name, value=value)
            for name, value in default_catalogue().suggest(current, lang, known.keys, labels=known.labels)
        ]

    async def _discoverable(
        self, interaction: GuildInteraction, *, skill_key: str | None, field: str | None
    ) -> list[profile_store.Profile]:
        """Return the matching discoverable members still in the guild, the searcher left out."""
        ids = await profile_store.find_members(
            self.bot.db, interaction.guild_id, skill_key=skill_key, field=field
        )
        guild = interaction.guild
        ids = [
            uid
            for uid in ids
            if uid != interaction.user.id
            # With the members intent the cache is complete; it catches a leave the bot missed while down.
            and (guild is None or not guild.chunked or guild.get_member(uid) is not None)
        ]
        profiles = await profile_store.get_profiles(self.bot.db, interaction.guild_id, ids)
        return [profiles[uid] for uid in ids if uid in profiles]


async def setup(bot: MajlisBot) -> None:
    """Load the profiles cog."""
    await bot.add_cog(Profiles(bot))
