"""The shipped data (fields, skills, time zones, prompts, icebreakers, messages), read as package data.

Its one source is the top-level `data/` folder; `setup.py` installs that folder as the `majlis_data`
package, so a wheel, an editable install and the checkout all read the same files through
`importlib.resources`.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

PACKAGE = "majlis_data"


def shipped(*parts: str) -> Traversable:
    """Return a shipped file or folder, e.g. `shipped("fields.json")` or `shipped("messages")`."""
    return files(PACKAGE).joinpath(*parts)
