"""Regenerate docs/screenshots/*.png from the real app on a virtual X server.

    python tools/screenshots.py            # starts Xvfb (+ openbox for window frames) itself
    python tools/screenshots.py --out DIR  # somewhere else

Needs ``Xvfb`` and Qt's xcb libraries (Debian: ``xvfb libxcb-cursor0 libxkbcommon-x11-0 ...``);
``openbox`` (window frames and titles) and ``xsetroot`` (a desktop colour) are used when present.
The data comes from ``river-desktop-cli``: ``demo populate`` (12 rooms x 40 messages, fixed seed),
plus two rooms joined by invitation from a second profile (so "waiting for room data" shows), and a
third invitation that the screenshot of the Join dialog pastes. Everything runs on temporary
profiles; nothing outside ``--out`` is written.

Shots: ``two-windows.png`` (the whole screen: two windows on one profile, different rooms),
``accept-invitation.png`` (the Join dialog with a pasted code and its preview), ``room.png`` (one window: a
room with own messages, a reply, an edited message, reactions, a mention, markdown, the day separator, the
"New messages" divider, the hover bar and the member list), ``search.png`` (search results over all rooms),
``settings.png`` (the preferences dialog) and ``network.png`` (two windows on two profiles talking through the
stand-in Freenet node of tests/standin: Alice published the room, Bob joined by invitation, both turned sync on
in Preferences). ``network.png`` needs River's ``room_contract.wasm`` (../shared/river-oracle) and is skipped
without it; ``--only network.png`` makes just that one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCREEN = (1600, 900)
DISPLAY = ":99"
SEED = 42
DESKTOP_COLOUR = "#4a5a6e"


# ---------------------------------------------------------------------------- data


def cli(profile: Path, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "river_desktop.cli", "--profile", str(profile), *args],
        check=True, capture_output=True, text=True, cwd=REPO,
    )
    return out.stdout.strip()


def make_profiles(tmp: Path) -> tuple[Path, str]:
    """The user's profile (demo rooms + two rooms joined by invitation) and a fresh code for the dialog."""
    me, friend = tmp / "me", tmp / "friend"
    cli(me, "demo", "populate", "--rooms", "12", "--messages-per-room", "40", "--seed", str(SEED), "--reactions")
    rooms = {}
    for name, nick in (("Night Owls Book Club", "mira"), ("Synth Jam Sessions", "kofi"),
                       ("Alpine Hut Planning", "mira")):
        rooms[name] = json.loads(cli(friend, "--json", "rooms", "create", name, "--nickname", nick))["key"]
    for name, nick in (("Night Owls Book Club", "sam"), ("Synth Jam Sessions", "sam")):
        code = cli(friend, "invite", "create", rooms[name])
        cli(me, "invite", "accept", code, "--nickname", nick)
    return me, cli(friend, "invite", "create", rooms["Alpine Hut Planning"])


# ---------------------------------------------------------------------------- X server


def start_x() -> list[subprocess.Popen[bytes]]:
    procs = [subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    os.environ["DISPLAY"] = DISPLAY
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{DISPLAY[1:]}").exists():
        if time.monotonic() > deadline:
            raise RuntimeError("Xvfb did not start")
        time.sleep(0.1)
    if shutil.which("openbox"):
        procs.append(subprocess.Popen(["openbox"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(1.0)
    if shutil.which("xsetroot"):
        subprocess.run(["xsetroot", "-solid", DESKTOP_COLOUR], check=False)
    return procs


# ---------------------------------------------------------------------------- the shots


async def wait_until(predicate: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting until {what}")
        await asyncio.sleep(0.05)


async def settle(seconds: float = 0.8) -> None:
    await asyncio.sleep(seconds)


def wasm_path() -> Path | None:
    folder = Path(os.environ.get("RIVER_ORACLE_DIR") or REPO.parent / "shared" / "river-oracle")
    wasm = folder / "room_contract.wasm"
    return wasm if wasm.is_file() else None


NETWORK_TALK = (
    ("alice", "Bob, you made it! This room now lives on the Freenet node, not just on my laptop."),
    ("bob", "Hi Alice! It said “Waiting for the network” until I turned sync on in Preferences."),
    ("alice", "Then it fetched the room and sent your join. Try a reply from your side?"),
    ("bob", "Here it is — I see every message you write within a moment."),
)


async def shoot_network(out: Path, tmp: Path, save: Callable[..., None]) -> None:
    """network.png: Alice's and Bob's profiles, one window each, synced through the stand-in node."""
    from dataclasses import replace

    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QLabel

    from river_desktop.net.sync_engine import Backoff
    from river_desktop.ui.desktop import RiverDesktop
    from tests.cli.net_world import NodeThread

    wasm = wasm_path()
    if wasm is None:
        print("skipped network.png: River's room_contract.wasm (../shared/river-oracle) is not there")
        return
    node = await asyncio.to_thread(NodeThread)
    await asyncio.to_thread(node.start)
    alice, bob = tmp / "alice", tmp / "bob"
    room = json.loads(cli(alice, "--json", "rooms", "create", "Rose Garden Club", "--nickname", "alice"))["key"]
    cli(alice, "--node", node.url, "net", "publish", room, "--room-contract", str(wasm))
    code = cli(alice, "invite", "create", room)
    cli(bob, "invite", "accept", code, "--nickname", "bob")
    desktops = {name: await RiverDesktop.create(path, log_dir=tmp / f"logs-{name}") for name, path in
                (("alice", alice), ("bob", bob))}
    try:
        windows = {}
        half = SCREEN[0] // 2
        for i, (name, desktop) in enumerate(desktops.items()):
            window = desktop.open_window()
            await wait_until(lambda w=window: w.is_loaded, f"{name}'s window has loaded")
            window.select_room(next(iter(window.rooms.ordered_keys())))
            frame, inner = window.frameGeometry(), window.geometry()
            extra_w, extra_h = frame.width() - inner.width(), frame.height() - inner.height()
            window.resize(half - 15 - extra_w, SCREEN[1] - 20 - extra_h)
            window.move(10 + i * (half - 5), 10)
            windows[name] = window
            desktop.network.backoff = Backoff(initial=0.2, maximum=2.0)
            prefs = desktop.preferences.value
            desktop.preferences.set(replace(prefs, network_sync=True, node_address=node.url,
                                            room_contract=str(wasm) if name == "alice" else ""))
        for name, window in windows.items():
            await wait_until(lambda w=window: not w.rooms.rooms[w.rooms.ordered_keys()[0]].waiting,
                             f"{name} has the room")
        for name, text in NETWORK_TALK:
            windows[name].post_message(text)
            await wait_until(lambda t=text: all(t in [m.text for m in w.roomView.model.messages()]
                                                for w in windows.values()), "both windows show the message")
        for name, window in windows.items():
            label = window.statusBar().findChild(QLabel, "localOnly")
            await wait_until(lambda lab=label: lab is not None and lab.text() == "Synced", f"{name} is synced")
            content = window.contentPage  # a narrow room list (one room) leaves the conversation the space
            content.setSizes([170, content.width() - 170])
            await settle(0.3)
            splitter = window.roomView.splitter
            splitter.setSizes([splitter.width() - 200, 200])
        await settle(1.2)
        save(QGuiApplication.primaryScreen().grabWindow(0), "network.png")
    finally:
        for desktop in desktops.values():
            desktop.request_quit()
            await desktop.shutdown()
        await asyncio.to_thread(node.close)


async def shoot(profile: Path, code: str, out: Path, log_dir: Path, only: str = "") -> None:
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QGuiApplication, QPixmap
    from PySide6.QtWidgets import QPlainTextEdit, QWidget

    from river_desktop.domain.river.mention import build_token
    from river_desktop.domain.rooms import NotificationMode
    from river_desktop.ui.desktop import RiverDesktop
    from river_desktop.ui.dialogs import AcceptInvitationDialog
    from river_desktop.ui.main_window import MainWindow
    from river_desktop.ui.room_view.search_dialog import SearchDialog

    screen = QGuiApplication.primaryScreen()

    def save(pixmap: QPixmap, name: str) -> None:
        path = out / name
        if not pixmap.save(str(path), "PNG"):
            raise RuntimeError(f"could not write {path}")
        print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path} "
              f"({pixmap.width()}x{pixmap.height()}, {path.stat().st_size // 1024} KiB)")

    def frame_rect(widget: QWidget) -> QRect:
        rect = widget.frameGeometry()
        return QRect(rect.topLeft(), rect.size())

    def grab_region(rect: QRect, margin: int = 0) -> QPixmap:
        r = rect.adjusted(-margin, -margin, margin, margin).intersected(screen.geometry())
        return screen.grabWindow(0, r.x(), r.y(), r.width(), r.height())

    async def place(window: MainWindow, x: int, y: int, width: int, height: int) -> None:
        """Put the window's *frame* (title bar included) at x, y with that outer size."""
        await settle(0.3)
        frame, inner = window.frameGeometry(), window.geometry()
        extra_w, extra_h = frame.width() - inner.width(), frame.height() - inner.height()
        window.resize(width - extra_w, height - extra_h)
        window.move(x, y)
        await settle(0.3)

    async def loaded(window: MainWindow) -> None:
        await wait_until(lambda: window.is_loaded and len(window.unread) == len(window.rooms.rooms),
                         "the window has loaded")

    def pick(window: MainWindow, wanted: Callable[[bytes], bool]) -> bytes:
        for key in window.rooms.ordered_keys():
            if wanted(key):
                return key
        raise RuntimeError("no room fits the screenshot")

    def has_reply_and_own(window: MainWindow) -> Callable[[bytes], bool]:
        def ok(key: bytes) -> bool:
            room = window.rooms.rooms[key]
            if room.waiting or window.rooms.notification_mode(key) is not NotificationMode.ALL:
                return False
            return len(room.members()) >= 5
        return ok

    async def show_room(window: MainWindow, key: bytes) -> None:
        window.select_room(key)
        await wait_until(lambda: window.roomView.model.rowCount() > 0, "the room's messages are shown")
        await settle(0.4)

    def shown_messages_fit(window: MainWindow) -> bool:
        model = window.roomView.model
        msgs = model.messages()[-12:]
        return any(model.is_own(m) and m.has_text for m in msgs) and any(m.item.reply_to for m in msgs)

    def decorate(window: MainWindow) -> None:
        """Issue 12's actions on screen: an edited message of yours, reactions (yours highlighted), and a
        message of yours in markdown that mentions a member."""
        model = window.roomView.model
        msgs = model.messages()[-8:]
        own = [m for m in msgs if model.is_own(m) and m.has_text]
        others = [m for m in msgs if not model.is_own(m) and m.has_text]
        if own:
            window.edit_message(own[-1].id, own[-1].text + " (Thursday works better for me)")
        for message, emoji in zip(others[-2:], ("👍", "🎉"), strict=False):
            window.react(message.id, emoji)
        if others:
            who = others[-1].author_id
            window.post_message(
                f"{build_token(who, model.author(who))} **Agenda** for Thursday, see "
                "[the roadmap](https://freenet.org/roadmap):\n- `v0.4` release notes\n- the ~~old~~ new sync"
            )

    def hover(window: MainWindow, row: int) -> None:
        """The mouse over a message: its hover bar shows."""
        view = window.roomView
        index = view.model.index(row)
        view.messageList.scrollToBottom()
        view.hoverBar.show_for(index)

    if only == "network.png":
        await shoot_network(out, log_dir.parent, save)
        return
    desktop = await RiverDesktop.create(profile, log_dir=log_dir)
    try:
        # -- room.png: one window, a room with own messages and a reply in view, members on the right
        a = desktop.open_window()
        await loaded(a)
        await place(a, (SCREEN[0] - 1280) // 2, (SCREEN[1] - 820) // 2, 1280, 820)
        candidates = [k for k in a.rooms.ordered_keys() if has_reply_and_own(a)(k)]
        # a draft kept for another room (as a restart finds it): the room list marks it with a pencil; showing
        # that room here would re-show the first one, already read, without its "New messages" divider
        drafted = pick(a, lambda k: k not in candidates and not a.rooms.rooms[k].waiting)
        a.desktop.settings.set_draft(drafted, "Half-written reply about the meetup")
        a.model.set_drafts(a.drafts.marked())
        chosen = None
        for key in candidates:
            await show_room(a, key)
            if shown_messages_fit(a):
                chosen = key
                break
        if chosen is None:
            raise RuntimeError("no demo room shows an own message and a reply; change SEED")
        decorate(a)
        await settle()
        a.raise_()
        a.activateWindow()
        a.roomView.composer.setFocus()
        a.roomView.composer.setPlainText("Sounds good, see you all on Thursday!")
        await settle()
        model = a.roomView.model
        others = [r for r in range(model.rowCount() - 6, model.rowCount()) if not model.is_own(model.messages()[r])]
        if others:
            hover(a, others[-1])
        await settle()
        save(grab_region(frame_rect(a), 0), "room.png")
        a.roomView.hoverBar.hide()
        a.roomView.composer.clear()

        # -- search.png: search over all rooms, results with room, author, time and the match
        a.show_search_dialog()
        search = a.dialog("SearchDialog")
        assert isinstance(search, SearchDialog)
        search.allButton.setChecked(True)
        search.searchEdit.setText("release")
        search.search_now()
        await wait_until(lambda: bool(search.hits()), "the search has results")
        search.resize(1100, 560)
        for column in range(3):
            search.results.resizeColumnToContents(column)
        search.move(a.frameGeometry().center() - search.rect().center())
        await settle()
        search.raise_()
        search.activateWindow()
        await settle()
        save(grab_region(frame_rect(a).united(frame_rect(search))), "search.png")
        search.reject()

        # -- settings.png: the preferences dialog over the window
        a.show_preferences()
        prefs = a.dialog("PreferencesDialog")
        assert prefs is not None
        prefs.resize(max(prefs.width(), 600), prefs.height())
        await settle()
        prefs.raise_()
        prefs.activateWindow()
        await settle()
        save(grab_region(frame_rect(a).united(frame_rect(prefs))), "settings.png")
        prefs.reject()

        # -- two-windows.png: the same profile in two windows, different rooms, side by side
        b = desktop.open_window()
        await loaded(b)
        half = SCREEN[0] // 2
        await place(a, 10, 10, half - 15, SCREEN[1] - 20)
        await place(b, half + 5, 10, half - 15, SCREEN[1] - 20)
        await show_room(a, chosen)
        await show_room(b, pick(b, lambda k: k != chosen and has_reply_and_own(b)(k)))
        for window in (a, b):  # messages 3 : members 1 at this width, as a fresh window lays them out
            window.roomView.splitter.setSizes([3000, 1000])
        await settle(1.0)
        save(screen.grabWindow(0), "two-windows.png")

        # -- accept-invitation.png: the Join dialog with a pasted code and its decoded preview
        b.close()
        await place(a, (SCREEN[0] - 1100) // 2, (SCREEN[1] - 720) // 2, 1100, 720)
        a.show_join_dialog()
        dialog = a.dialog("AcceptInvitationDialog")
        assert isinstance(dialog, AcceptInvitationDialog)
        edit = dialog.findChild(QPlainTextEdit, "inviteCodeEdit")
        assert edit is not None
        edit.setPlainText(code)
        dialog.nicknameEdit.setText("sam")
        await settle()
        dialog.raise_()
        dialog.activateWindow()
        await settle()
        save(grab_region(frame_rect(a).united(frame_rect(dialog))), "accept-invitation.png")
        dialog.reject()
    finally:
        desktop.request_quit()
        await desktop.shutdown()
    if not only:
        await shoot_network(out, log_dir.parent, save)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--only", choices=["network.png"], default="", help="make just this shot")
    parser.add_argument("--no-xvfb", action="store_true", help="use the current $DISPLAY instead of starting Xvfb")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    procs: list[subprocess.Popen[bytes]] = [] if args.no_xvfb else start_x()
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    os.environ.setdefault("QT_SCALE_FACTOR", "1")
    try:
        with tempfile.TemporaryDirectory(prefix="river-shots-") as name:
            tmp = Path(name)
            profile, code = make_profiles(tmp)
            sys.path.insert(0, str(REPO))
            from river_desktop.__main__ import make_application

            app = make_application([])
            from PySide6.QtCore import QLocale

            # the same dates whatever the machine's locale (a bare container has only "C")
            QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
            import qasync

            with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
                runner.run(shoot(profile, code, args.out, tmp / "logs", args.only))
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
