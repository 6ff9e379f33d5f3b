"""Window titles: the room (elided, so no name a room owner types can make a title huge) and, for any
profile but the default one, the profile's folder name (so windows of two profiles can be told apart)."""

from __future__ import annotations

from pathlib import Path

APP_TITLE = "River Desktop"
WAITING_TITLE = "Waiting for room data"
ROOM_TITLE_CHARS = 60
PROFILE_TITLE_CHARS = 40


def elide(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, the cut marked with an ellipsis; one line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def profile_label(profile_dir: Path, default_dir: Path) -> str:
    """How a window title names the profile: "" for the default profile, else its folder name."""
    try:
        same = profile_dir.expanduser().resolve() == default_dir.expanduser().resolve()
    except OSError:
        same = profile_dir == default_dir
    if same:
        return ""
    return elide(profile_dir.name or str(profile_dir), PROFILE_TITLE_CHARS)


def window_title(room_name: str | None, *, waiting: bool = False, profile: str = "") -> str:
    """``Room — River Desktop`` (``… (profile)`` for a non-default profile); no room: the app's name."""
    app = f"{APP_TITLE} ({profile})" if profile else APP_TITLE
    if room_name is None and not waiting:
        return app
    name = elide(room_name or "", ROOM_TITLE_CHARS) or WAITING_TITLE
    return f"{name} — {app}"


__all__ = ["APP_TITLE", "elide", "profile_label", "window_title"]
