"""What `/privacy forget` does to the bot's own Discord messages: pure edits of message data."""

from __future__ import annotations

import copy
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any


def _mention(user_id: int) -> re.Pattern[str]:
    return re.compile(rf"<@!?{user_id}>")


@dataclass(frozen=True)
class Scrub:
    """How to take a member out of a message.

    `drop_lines`: remove every line that mentions them (a digest's top answers, a prompt's credit)
    rather than replacing the mention with `former` (an intro's greeting keeps the others).
    `threads`: their threads, whose links and the lines carrying them (titles they wrote) go.
    `field`: the index of the embed field that is their profile (an intro), removed whole.
    """

    user_id: int
    former: str
    drop_lines: bool = False
    threads: Collection[int] = ()
    field: int | None = None

    def names_them(self, content: str | None, embeds: list[dict[str, Any]]) -> bool:
        """Tell whether a message still names the member or links their threads."""
        texts = [content or ""]
        for embed in embeds:
            texts.append(embed.get("description") or "")
            texts.extend(f"{f.get('name', '')}\n{f.get('value', '')}" for f in embed.get("fields", ()))
        return any(self._touches(line) for text in texts for line in text.splitlines())

    def _links(self, line: str) -> bool:
        return any(re.search(rf"/{thread}(?!\d)", line) for thread in self.threads)

    def _touches(self, line: str) -> bool:
        return bool(_mention(self.user_id).search(line)) or self._links(line)

    def _text(self, text: str) -> str:
        kept = []
        for line in text.splitlines():
            if self._links(line):
                continue
            if _mention(self.user_id).search(line):
                if self.drop_lines:
                    continue
                line = _mention(self.user_id).sub(self.former, line)
            kept.append(line)
        return "\n".join(kept).strip()

    def apply(
        self, content: str | None, embeds: list[dict[str, Any]]
    ) -> tuple[str | None, list[dict[str, Any]]]:
        """Return the message's content and embeds without the member."""
        new_content = self._text(content) if content else content
        new_embeds = []
        for number, embed in enumerate(copy.deepcopy(embeds)):
            if number == 0 and self.field is not None and self.field < len(embed.get("fields", [])):
                del embed["fields"][self.field]
            if embed.get("description"):
                embed["description"] = self._text(embed["description"]) or "\u2014"
            fields = []
            for item in embed.get("fields", []):
                value = self._text(item.get("value", ""))
                if value:
                    fields.append(
                        {**item, "name": self._text(item.get("name", "")) or "\u2014", "value": value}
                    )
            if "fields" in embed:
                embed["fields"] = fields
            new_embeds.append(embed)
        return new_content, new_embeds
