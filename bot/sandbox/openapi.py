"""Validate request bodies against Discord's published OpenAPI 3.1 description."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import referencing
import referencing.jsonschema

_SPEC_URI = "urn:discord-openapi"
_METHODS = ("get", "put", "post", "patch", "delete")


def _snowflake_tolerant_type(validator: Any, types: Any, instance: Any, schema: dict[str, Any]) -> Any:
    # Discord accepts integers wherever a snowflake string is expected, and discord.py sends some
    # (attachment ids, recipient_id): validate those as the strings they stand for.
    if schema.get("format") == "snowflake" and isinstance(instance, int) and not isinstance(instance, bool):
        instance = str(instance)
    yield from _draft_type(validator, types, instance, schema)


_draft_type = jsonschema.Draft202012Validator.VALIDATORS["type"]
DiscordSchemaValidator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, validators={"type": _snowflake_tolerant_type}
)


def _escape_pointer(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _patch_known_gaps(spec: dict[str, Any]) -> None:
    # The published description lags the API: GUILD_MEDIA (16) is a real channel type, and discord.py
    # puts it in ``channel_types`` of every ForumChannel option.
    channel_types = spec.get("components", {}).get("schemas", {}).get("ChannelTypes")
    if (
        channel_types
        and "oneOf" in channel_types
        and not any(c.get("const") == 16 for c in channel_types["oneOf"])
    ):
        channel_types["oneOf"].append({"title": "GUILD_MEDIA", "const": 16})


class OpenAPIValidator:
    """Match a concrete request to the spec's operation and validate its JSON body."""

    def __init__(self, spec: dict[str, Any]) -> None:
        _patch_known_gaps(spec)
        self._spec = spec
        resource = referencing.Resource.from_contents(
            spec, default_specification=referencing.jsonschema.DRAFT202012
        )
        self._registry: referencing.Registry = referencing.Registry().with_resource(_SPEC_URI, resource)
        self._validators: dict[tuple[str, str, str], Any] = {}
        templates = []
        for template in spec.get("paths", {}):
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            # Literal segments beat parameters: /users/@me must win over /users/{user_id}.
            templates.append((template.count("{"), template, re.compile(f"^{pattern}$")))
        self._templates = sorted(templates, key=lambda t: t[0])

    def template_for(self, path: str) -> str | None:
        """Return the spec's path template for a concrete API path, if any."""
        for _, template, pattern in self._templates:
            if pattern.match(path):
                return template
        return None

    def errors(self, method: str, path: str, body: Any, *, media: str = "application/json") -> list[str]:
        """Return schema violations of ``body`` for ``method path`` (empty when valid or unknown)."""
        template = self.template_for(path)
        if template is None:
            return []
        validator = self._validator(method.lower(), template, media)
        if validator is None:
            return []
        problems = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        return [f"{'/'.join(str(p) for p in e.absolute_path) or '<body>'}: {_short(e)}" for e in problems]

    def _validator(self, method: str, template: str, media: str) -> Any:
        key = (method, template, media)
        if key not in self._validators:
            operation = self._spec["paths"][template].get(method) or {}
            content = (operation.get("requestBody") or {}).get("content") or {}
            if media not in content:
                media = "application/json"
            if media not in content or "schema" not in content[media]:
                self._validators[key] = None
            else:
                pointer = "/".join(
                    _escape_pointer(p)
                    for p in ("paths", template, method, "requestBody", "content", media, "schema")
                )
                schema = {"$ref": f"{_SPEC_URI}#/{pointer}"}
                self._validators[key] = DiscordSchemaValidator(schema, registry=self._registry)
        return self._validators[key]


def _short(error: jsonschema.ValidationError) -> str:
    if error.context:
        # For anyOf/oneOf, the closest branch's failure says what is actually wrong.
        best = jsonschema.exceptions.best_match(error.context)
        if best is not None:
            where = "/".join(str(p) for p in best.absolute_path)
            return f"{_short(best)} (at {where})"
    # Long values (a 5000-character description) would drown the message; name the rule instead.
    if isinstance(error.instance, str) and len(error.instance) > 60:
        return f"string of length {len(error.instance)} fails {error.validator}={error.validator_value!r}"
    return error.message[:300]


@lru_cache(maxsize=4)
def load_validator(spec_path: str) -> OpenAPIValidator:
    """Load the spec once per process and return its (cached) validator."""
    return OpenAPIValidator(json.loads(Path(spec_path).read_text(encoding="utf-8")))
