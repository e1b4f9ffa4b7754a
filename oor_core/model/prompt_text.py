"""Prompts as the model reads them: one Unicode form, no invisible characters, bounded length.

Shared by the sidebar, the batch runner's job schema and the Python API, so that a prompt that
looks empty is refused everywhere, and a message never repeats a whole pasted paragraph.
"""

from __future__ import annotations

import unicodedata

MAX_PROMPT_CHARS = 300  # the text encoder reads 128 tokens; longer prompts would be cut silently
ECHO_CHARS = 80  # at most this much of a prompt is repeated in a message

# Control (Cc), format (Cf: zero-width spaces and joiners, bidi marks, BOM), surrogate,
# private-use and unassigned characters carry nothing the encoder can read.
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn"}


class PromptError(ValueError):
    """A prompt that cannot condition the model; the message says why."""


def normalize_prompt(text: str) -> str:
    """NFKC, every kind of space or line break as one space, invisible characters dropped."""
    text = unicodedata.normalize("NFKC", text)
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char.isspace() or category.startswith("Z"):
            kept.append(" ")
        elif category not in _INVISIBLE:
            kept.append(char)
    return " ".join("".join(kept).split())


def echo(text: str, limit: int = ECHO_CHARS) -> str:
    """The prompt quoted for a message, cut to `limit` characters."""
    text = " ".join(str(text).split())
    return repr(text if len(text) <= limit else text[:limit - 3] + "...")


def _cleaned(text, what: str, limit: int, empty: str, hint: str) -> str:
    """`text` normalised, or PromptError when it is not text, empty or over `limit`."""
    if not isinstance(text, str):
        raise PromptError(f"the {what} must be text, not {type(text).__name__}")
    cleaned = normalize_prompt(text)
    if not cleaned:
        raise PromptError(empty)
    if len(cleaned) > limit:
        raise PromptError(f"The {what} {echo(cleaned)} is {len(cleaned)} characters long; keep "
                          f"it under {limit}{hint}")
    return cleaned


def clean_prompt(prompt) -> str:
    """The normalised prompt, or PromptError when it is not text, empty or too long."""
    return _cleaned(prompt, "prompt", MAX_PROMPT_CHARS,
                    "Type a prompt that describes the relation, e.g. 'A teapot pouring tea into "
                    "a teacup'", " (one sentence about the two objects)")


MAX_DESCRIPTION_CHARS = 2000  # a paragraph: a scene of a few dozen clauses


def clean_description(text) -> str:
    """A whole scene's description, normalised like a prompt; PromptError when it is not text,
    empty or longer than a paragraph."""
    return _cleaned(text, "description", MAX_DESCRIPTION_CHARS,
                    "Type a description of the scene, e.g. 'A desk with a monitor in the middle, "
                    "the keyboard in front of it and a lamp on the left corner'", "")
