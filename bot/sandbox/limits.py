"""Discord's documented limits on messages, embeds, components, modals and commands."""

from __future__ import annotations

import unicodedata
from typing import Any

from bot.sandbox.errors import EMPTY_MESSAGE, DiscordError, ErrorTree
from bot.sandbox.models import IS_COMPONENTS_V2, iter_components

# Locales Discord accepts in name/description localisations; there is no Arabic one.
DISCORD_LOCALES = frozenset(
    {
        "id",
        "da",
        "de",
        "en-GB",
        "en-US",
        "es-ES",
        "es-419",
        "fr",
        "hr",
        "it",
        "lt",
        "hu",
        "nl",
        "no",
        "pl",
        "pt-BR",
        "ro",
        "fi",
        "sv-SE",
        "vi",
        "tr",
        "cs",
        "el",
        "bg",
        "ru",
        "uk",
        "hi",
        "th",
        "zh-CN",
        "ja",
        "zh-TW",
        "ko",
    }
)

BUTTON, STRING_SELECT, TEXT_INPUT = 2, 3, 4
SELECT_TYPES = frozenset({3, 5, 6, 7, 8})
ACTION_ROW, LABEL = 1, 18
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
CHOICE_TYPES = frozenset({3, 4, 10})


def check_message(payload: dict[str, Any], *, file_count: int = 0, creating: bool = True) -> None:
    """Refuse a message body Discord would refuse (50006 empty, 50035 over a limit)."""
    errors = ErrorTree()
    content = payload.get("content")
    if isinstance(content, str) and len(content) > 2000:
        errors.too_long(("content",), 2000)
    embeds = payload.get("embeds") or []
    if isinstance(embeds, list):
        check_embeds(embeds, errors)
    components = payload.get("components") or []
    flags = payload.get("flags") or 0
    if isinstance(components, list):
        check_components(components, errors, v2=bool(isinstance(flags, int) and flags & IS_COMPONENTS_V2))
    errors.raise_if_any()
    if creating:
        kept = [a for a in payload.get("attachments") or [] if isinstance(a, dict)]
        has_body = bool(content) or bool(embeds) or bool(components) or file_count > 0 or bool(kept)
        has_body = has_body or bool(payload.get("sticker_ids")) or bool(payload.get("poll"))
        if not has_body:
            raise DiscordError(400, EMPTY_MESSAGE, "Cannot send an empty message")


def check_embeds(embeds: list[Any], errors: ErrorTree) -> None:
    """Check the count and the per-field and total character limits of embeds."""
    if len(embeds) > 10:
        errors.too_many(("embeds",), 10)
    total = 0
    for i, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            continue
        base = ("embeds", i)
        for key, limit in (("title", 256), ("description", 4096)):
            text = embed.get(key)
            if isinstance(text, str):
                total += len(text)
                if len(text) > limit:
                    errors.too_long((*base, key), limit)
        for key, sub, limit in (("footer", "text", 2048), ("author", "name", 256)):
            part = embed.get(key)
            if isinstance(part, dict) and isinstance(part.get(sub), str):
                total += len(part[sub])
                if len(part[sub]) > limit:
                    errors.too_long((*base, key, sub), limit)
        fields = embed.get("fields") or []
        if len(fields) > 25:
            errors.too_many((*base, "fields"), 25)
        for j, fld in enumerate(fields):
            if not isinstance(fld, dict):
                continue
            for key, limit in (("name", 256), ("value", 1024)):
                text = fld.get(key)
                if not isinstance(text, str) or not text:
                    errors.add((*base, "fields", j, key), "BASE_TYPE_REQUIRED", "This field is required")
                    continue
                total += len(text)
                if len(text) > limit:
                    errors.too_long((*base, "fields", j, key), limit)
    if total > 6000:
        errors.add(("embeds",), "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")


def check_components(components: list[Any], errors: ErrorTree, *, v2: bool = False) -> None:
    """Check rows, buttons, selects and custom_ids of message components."""
    if not v2 and len(components) > 5:
        errors.too_many(("components",), 5)
    for i, row in enumerate(components):
        if not isinstance(row, dict):
            continue
        if row.get("type") == ACTION_ROW:
            _check_row(row, ("components", i), errors)
    flat = iter_components(components)
    if v2 and len(flat) > 40:
        errors.add(("components",), "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "Must be 40 or fewer components.")
    _check_unique_ids(flat, errors)
    for component in flat:
        _check_component(component, errors)


def _check_row(row: dict[str, Any], base: tuple[str | int, ...], errors: ErrorTree) -> None:
    children = [c for c in row.get("components") or [] if isinstance(c, dict)]
    if not children:
        errors.add((*base, "components"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
    buttons = [c for c in children if c.get("type") == BUTTON]
    selects = [c for c in children if c.get("type") in SELECT_TYPES]
    if len(buttons) > 5:
        errors.too_many((*base, "components"), 5)
    if selects and len(children) > 1:
        errors.add(
            (*base, "components"),
            "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
            "The specified component exceeds the maximum width",
        )


def _check_unique_ids(flat: list[dict[str, Any]], errors: ErrorTree) -> None:
    seen: set[str] = set()
    for component in flat:
        custom_id = component.get("custom_id")
        if custom_id is None:
            continue
        if custom_id in seen:
            errors.add(
                ("components",), "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"
            )
        seen.add(custom_id)


def _check_component(component: dict[str, Any], errors: ErrorTree) -> None:
    custom_id = component.get("custom_id")
    if isinstance(custom_id, str) and len(custom_id) > 100:
        errors.too_long(("components", "custom_id"), 100)
    label = component.get("label")
    if component.get("type") == BUTTON and isinstance(label, str) and len(label) > 80:
        errors.too_long(("components", "label"), 80)
    if (
        component.get("type") == BUTTON
        and component.get("style") != 5
        and component.get("style") != 6
        and not custom_id
    ):
        errors.add(("components", "custom_id"), "BASE_TYPE_REQUIRED", "This field is required")
    if component.get("type") in SELECT_TYPES:
        options = component.get("options") or []
        if len(options) > 25:
            errors.too_many(("components", "options"), 25)
        if component.get("type") == STRING_SELECT and not options:
            errors.add(("components", "options"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
        for option in options:
            for key, limit in (("label", 100), ("value", 100), ("description", 100)):
                text = option.get(key) if isinstance(option, dict) else None
                if isinstance(text, str) and len(text) > limit:
                    errors.too_long(("components", "options", key), limit)
        placeholder = component.get("placeholder")
        if isinstance(placeholder, str) and len(placeholder) > 150:
            errors.too_long(("components", "placeholder"), 150)


def check_modal(data: dict[str, Any]) -> None:
    """Refuse a modal (callback type 9) over Discord's limits."""
    errors = ErrorTree()
    title = data.get("title")
    if not isinstance(title, str) or not 1 <= len(title) <= 45:
        errors.add(("data", "title"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 45 in length.")
    custom_id = data.get("custom_id")
    if not isinstance(custom_id, str) or not 1 <= len(custom_id) <= 100:
        errors.add(("data", "custom_id"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    rows = data.get("components") or []
    if not 1 <= len(rows) <= 5:
        errors.add(("data", "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
    for i, top in enumerate(rows):
        base = ("data", "components", i)
        if top.get("type") == LABEL and isinstance(top.get("label"), str) and len(top["label"]) > 45:
            errors.too_long((*base, "label"), 45)
        for component in iter_components([top]):
            if component.get("type") == TEXT_INPUT:
                _check_text_input(component, base, errors)
    _check_unique_ids(iter_components(rows), errors)
    errors.raise_if_any()


def _check_text_input(component: dict[str, Any], base: tuple[str | int, ...], errors: ErrorTree) -> None:
    label = component.get("label")
    if isinstance(label, str) and len(label) > 45:
        errors.too_long((*base, "label"), 45)
    max_length = component.get("max_length")
    min_length = component.get("min_length")
    for key, bound in (("max_length", max_length), ("min_length", min_length)):
        if isinstance(bound, int) and not 0 <= bound <= 4000:
            errors.add((*base, key), "NUMBER_TYPE_MAX", "int value should be less than or equal to 4000.")
    value = component.get("value")
    limit = max_length if isinstance(max_length, int) else 4000
    if isinstance(value, str) and len(value) > limit:
        errors.too_long((*base, "value"), limit)
    placeholder = component.get("placeholder")
    if isinstance(placeholder, str) and len(placeholder) > 100:
        errors.too_long((*base, "placeholder"), 100)
    custom_id = component.get("custom_id")
    if not isinstance(custom_id, str) or not 1 <= len(custom_id) <= 100:
        errors.add((*base, "custom_id"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")


def check_autocomplete(data: dict[str, Any]) -> None:
    """Refuse autocomplete choices over Discord's limits."""
    errors = ErrorTree()
    choices = data.get("choices") or []
    if len(choices) > 25:
        errors.too_many(("data", "choices"), 25)
    for i, choice in enumerate(choices):
        _check_choice(choice, ("data", "choices", i), errors)
    errors.raise_if_any()


def _check_choice(choice: Any, base: tuple[str | int, ...], errors: ErrorTree) -> None:
    if not isinstance(choice, dict):
        errors.add(base, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return
    name = choice.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 100:
        errors.add((*base, "name"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    value = choice.get("value")
    if isinstance(value, str) and len(value) > 100:
        errors.too_long((*base, "value"), 100)
    _check_localizations(choice.get("name_localizations"), (*base, "name_localizations"), errors, 100)


def is_command_name(name: Any) -> bool:
    r"""Say whether ``name`` matches Discord's ``^[-_\p{L}\p{N}]{1,32}$`` and is lowercase."""
    if not isinstance(name, str) or not 1 <= len(name) <= 32 or name != name.lower():
        return False
    return all(ch in "-_" or unicodedata.category(ch)[0] in "LN" for ch in name)


def _check_localizations(
    value: Any, base: tuple[str | int, ...], errors: ErrorTree, limit: int, *, names: bool = False
) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        errors.add(base, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return
    for locale, text in value.items():
        if locale not in DISCORD_LOCALES:
            errors.add((*base, locale), "LOCALE_INVALID", f"Invalid locale: {locale}")
        elif names and not is_command_name(text):
            errors.add(
                (*base, locale), "APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {text}"
            )
        elif not isinstance(text, str) or len(text) > limit:
            errors.too_long((*base, locale), limit)


def check_commands(commands: list[Any]) -> None:
    """Refuse a bulk command overwrite Discord would refuse."""
    errors = ErrorTree()
    chat_input = [c for c in commands if isinstance(c, dict) and c.get("type", 1) == 1]
    if len(chat_input) > 100:
        errors.too_many((), 100)
    seen: set[tuple[int, str]] = set()
    for i, command in enumerate(commands):
        if not isinstance(command, dict):
            errors.add((i,), "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
            continue
        kind = command.get("type", 1)
        key = (kind, str(command.get("name")))
        if key in seen:
            errors.add(
                (i, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {key[1]}",
            )
        seen.add(key)
        _check_command(command, (i,), errors, chat_input=kind == 1)
    errors.raise_if_any()


def _check_command(
    command: dict[str, Any], base: tuple[str | int, ...], errors: ErrorTree, *, chat_input: bool
) -> None:
    name = command.get("name")
    if chat_input:
        if not is_command_name(name):
            errors.add(
                (*base, "name"), "APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {name}"
            )
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 100:
            errors.add((*base, "description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    elif not isinstance(name, str) or not 1 <= len(name) <= 32:
        errors.add((*base, "name"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
    _check_localizations(
        command.get("name_localizations"), (*base, "name_localizations"), errors, 32, names=chat_input
    )
    _check_localizations(
        command.get("description_localizations"), (*base, "description_localizations"), errors, 100
    )
    if chat_input:
        _check_options(command.get("options") or [], (*base, "options"), errors)


def _check_options(options: list[Any], base: tuple[str | int, ...], errors: ErrorTree) -> None:
    if len(options) > 25:
        errors.too_many(base, 25)
    seen_optional = False
    names: set[str | None] = set()
    for i, option in enumerate(options):
        if not isinstance(option, dict):
            continue
        where = (*base, i)
        _check_command(option, where, errors, chat_input=True)
        if option.get("name") in names:
            errors.add(
                (*where, "name"),
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            )
        names.add(option.get("name"))
        kind = option.get("type")
        if kind in (SUB_COMMAND, SUB_COMMAND_GROUP):
            _check_options(option.get("options") or [], (*where, "options"), errors)
            continue
        if option.get("required"):
            if seen_optional:
                errors.add(
                    (*where, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            seen_optional = True
        choices = option.get("choices") or []
        if len(choices) > 25:
            errors.too_many((*where, "choices"), 25)
        if choices and option.get("autocomplete"):
            errors.add(
                (*where, "autocomplete"),
                "APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE",
                "Autocomplete cannot be enabled on options that have choices",
            )
        for j, choice in enumerate(choices):
            _check_choice(choice, (*where, "choices", j), errors)
