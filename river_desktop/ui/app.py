"""The application object: owns the storage controller, the windows and the one way out.

:class:`Application` is a ``QObject`` (the ``QApplication`` stays a plain one). It knows windows only
as :class:`AppWindow` and builds them with the :class:`WindowFactory` it is given, so this module and
``main_window`` never import each other; ``desktop.py`` puts the two together as :class:`RiverDesktop`.
Start it from a running qasync loop::

    desktop = await RiverDesktop.create(profile_dir)   # or: RiverDesktop(profile_dir); await desktop.start()
    desktop.restore_windows()                          # or: desktop.open_window()
    await desktop.wait_for_quit()                      # Quit, the last window closed, SIGTERM
    await desktop.shutdown()                           # flushes every window's saves, closes the store

The window layout (which windows, their geometry and current rooms) is written to ``desktop.ini``
shortly after it changes — a window opened or closed, moved or resized, another room shown — so
after a crash or kill -9 the last layout returns, not the one of the last clean quit.

Quitting has one path. Quit (Ctrl+Q), the tray's Quit, SIGTERM and closing the last window (when
no tray icon is showing, or ``desktop.ini`` turns close-to-tray off; otherwise that window hides in
the tray) all call :meth:`RiverDesktop.request_quit`, which records the open windows, closes them and
wakes :meth:`wait_for_quit`; the caller then awaits :meth:`shutdown` *before* the Qt loop ends, so
every save that was started completes (nothing reported saved is lost, nothing started is dropped).
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import logging
import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Self, TypeVar

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication

from river_desktop.storage.controller import StorageController
from river_desktop.storage.profile import default_log_dir
from river_desktop.ui import interpreter, notice_preview
from river_desktop.ui.net_status import NetworkSync, attach_network_status
from river_desktop.ui.preferences import Preferences, PreferencesModel, apply_to_window
from river_desktop.ui.settings import DesktopSettings, WindowState
from river_desktop.ui.tray import RoomNames, Tray
from river_desktop.ui.window_host import AppWindow, WindowFactory

log = logging.getLogger(__name__)

T = TypeVar("T")

CLOSED_TO_TRAY_TITLE = "River Desktop is still running"
CLOSED_TO_TRAY_TEXT = (
    "Your rooms stay open in the tray. Click the tray icon to show the window again; "
    "choose Quit in its menu (or press Ctrl+Q in a window) to quit."
)


class Application(QObject):
    """Owns the shared :class:`StorageController`, the window registry (id -> window) and the tray."""

    DEEP_CLEAN_AFTER_CLOSE_MS = 2000
    LAYOUT_SAVE_DELAY_MS = 500

    windowOpened = Signal(object)
    windowClosed = Signal(int)
    quitRequested = Signal()
    shuttingDown = Signal()

    def __init__(
        self,
        profile_dir: str | Path | None = None,
        *,
        window_factory: WindowFactory,
        log_dir: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        interpreter.share_with_gui()
        self._window_factory = window_factory
        self.setObjectName("RiverDesktop")
        self._profile_arg = None if profile_dir is None else Path(profile_dir)
        self.profile_dir: Path = self._profile_arg if self._profile_arg is not None else Path()
        self.log_dir = log_dir if log_dir is not None else default_log_dir()
        self._controller: StorageController | None = None
        self._settings: DesktopSettings | None = None
        self._preferences: PreferencesModel | None = None
        self._network: NetworkSync | None = None
        self._windows: dict[int, AppWindow] = {}
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[object]] = set()
        self._save_tasks: set[asyncio.Task[object]] = set()
        self._quitting = False
        self._windows_recorded = False
        self._quit_event: asyncio.Event | None = None
        self._shutdown_task: asyncio.Task[None] | None = None
        self._closed = False
        self.tray: Tray | None = None
        self._gc = MainThreadGarbageCollector(self)
        self._layout_timer = QTimer(self)
        self._layout_timer.setSingleShot(True)
        self._layout_timer.setInterval(self.LAYOUT_SAVE_DELAY_MS)
        self._layout_timer.timeout.connect(self._save_layout)

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    async def create(cls, profile_dir: str | Path | None = None, **kwargs: object) -> Self:
        """Construct and :meth:`start` (opens the profile off the GUI thread)."""
        desktop = cls(profile_dir, **kwargs)  # type: ignore[arg-type]
        await desktop.start()
        return desktop

    async def start(self) -> None:
        """Open the profile's store (raises ``StorageError`` with a user-facing message when impossible)."""
        if self._controller is not None:
            return
        self._quit_event = asyncio.Event()
        self._gc.start()
        try:
            self._controller = await StorageController.open(self._profile_arg)
        except BaseException:
            self._gc.stop()
            raise
        profile = self._controller.profile
        self.profile_dir = profile.path if profile is not None else self._profile_arg or Path(tempfile.gettempdir())
        self._settings = DesktopSettings(self.profile_dir)
        self._preferences = PreferencesModel(self._settings, self)
        self._preferences.changed.connect(self._apply_preferences)
        self._network = NetworkSync(self._controller, parent=self)
        prefs = self._preferences.value
        self._network.apply(prefs.network_sync, prefs.node_address, prefs.room_contract)
        self.tray = Tray(self)
        self.tray.notifications_enabled = self._preferences.value.notifications
        self.tray.activated.connect(lambda: self._raise_some_window())
        self.tray.roomRequested.connect(self.show_room)
        self.tray.showRequested.connect(lambda: self._raise_some_window())
        self.tray.newWindowRequested.connect(self.open_window)
        self.tray.quitRequested.connect(self.request_quit)
        log.info("profile %s opened", self.profile_dir)

    @property
    def controller(self) -> StorageController:
        if self._controller is None:
            raise RuntimeError("RiverDesktop.start() has not been awaited yet")
        return self._controller

    @property
    def settings(self) -> DesktopSettings:
        if self._settings is None:
            raise RuntimeError("RiverDesktop.start() has not been awaited yet")
        return self._settings

    @property
    def preferences(self) -> PreferencesModel:
        if self._preferences is None:
            raise RuntimeError("RiverDesktop.start() has not been awaited yet")
        return self._preferences

    @property
    def network(self) -> NetworkSync:
        """The process's one sync engine, on or off as the preferences say (ui/net_status.py)."""
        if self._network is None:
            raise RuntimeError("RiverDesktop.start() has not been awaited yet")
        return self._network

    def _apply_preferences(self, prefs: Preferences) -> None:
        """Every open window follows a change made in any of them."""
        for window in self.windows:
            apply_to_window(window, prefs, stylesheet_for)
            window.set_members_visible(prefs.members_visible)
        if self.tray is not None:
            self.tray.notifications_enabled = prefs.notifications
        self.network.apply(prefs.network_sync, prefs.node_address, prefs.room_contract)

    @property
    def windows(self) -> list[AppWindow]:
        return [self._windows[i] for i in sorted(self._windows)]

    def window(self, window_id: int) -> AppWindow | None:
        return self._windows.get(window_id)

    @property
    def quitting(self) -> bool:
        return self._quitting

    # ------------------------------------------------------------------ tasks

    def track(self, coro: Awaitable[T], *, save: bool = False) -> asyncio.Task[T]:
        """Run ``coro`` as a task this object keeps alive; failures reach the loop's exception handler."""
        task: asyncio.Task[T] = asyncio.ensure_future(coro)
        bucket = self._save_tasks if save else self._tasks
        bucket.add(task)

        def done(t: asyncio.Task[T]) -> None:
            bucket.discard(t)
            if t.cancelled():
                return
            exc = t.exception()
            if exc is not None:
                t.get_loop().call_exception_handler(
                    {"message": "a River Desktop background task failed", "exception": exc, "task": t}
                )

        task.add_done_callback(done)
        return task

    # ------------------------------------------------------------------ windows

    def open_window(self, initial_room: bytes | None = None, *, geometry: bytes = b"", show: bool = True) -> AppWindow:
        """A new window (loading starts at once). File > New Window and the tray call this."""
        if self._quitting:
            raise RuntimeError("the application is shutting down")
        window_id = next(self._ids)
        window = self._window_factory(self, window_id, initial_room=initial_room)
        self._windows[window_id] = window
        window.destroyed.connect(lambda _obj=None, wid=window_id: self._forget(wid))
        window.unreadChanged.connect(lambda counts, w=window: self._on_unread(w, counts))
        window.currentRoomChanged.connect(lambda _room: self.schedule_layout_save())
        window.installEventFilter(self)
        apply_to_window(window, self.preferences.value, stylesheet_for)
        attach_network_status(window, self.network)
        placed = window.restore_geometry_bytes(geometry) if geometry else False
        if not placed:
            self._cascade(window)
        if show:
            window.show()
        window.start()
        self.windowOpened.emit(window)
        log.debug("window %d opened", window_id)
        self.schedule_layout_save()
        return window

    def restore_windows(self) -> list[AppWindow]:
        """Reopen the windows of the last session (geometry and current room), or one new window."""
        states = self.settings.window_states()
        if not states:
            return [self.open_window()]
        return [self.open_window(state.current_room, geometry=state.geometry) for state in states]

    def _cascade(self, window: AppWindow) -> None:
        others = [w for w in self._windows.values() if w is not window and w.isVisible()]
        if not others:
            return
        last = others[-1]
        window.move(last.pos().x() + 32, last.pos().y() + 32)

    def hide_to_tray(self, window: AppWindow) -> bool:
        """Called by a window's closeEvent: the last window hides in the tray instead of quitting when the
        tray icon is showing and ``desktop.ini`` allows it (the default where a tray exists). True: hidden."""
        tray = self.tray
        if self._quitting or tray is None or not tray.showing or list(self._windows) != [window.window_id]:
            return False
        if not self.settings.close_to_tray(default=True):
            return False
        window.hide()
        self._save_layout()
        if not self.settings.close_hint_shown():
            tray.notify(CLOSED_TO_TRAY_TITLE, CLOSED_TO_TRAY_TEXT)
            self.settings.set_close_hint_shown()
        log.info("window %d hidden in the tray", window.window_id)
        return True

    def window_closing(self, window: AppWindow) -> None:
        """Called by a window's closeEvent. Closing the last window quits (recording that window)."""
        last = len(self._windows) == 1 and window.window_id in self._windows
        if last and not self._quitting:
            self._record_windows([window])
        self._forget(window.window_id)
        if last and not self._quitting:
            self.request_quit()
        else:
            self.schedule_layout_save()

    def _forget(self, window_id: int) -> None:
        if self._windows.pop(window_id, None) is not None:
            self.windowClosed.emit(window_id)
            # the closed window's objects die in cycles, partly in the frozen generation: reclaim them
            # once its deferred deletion has run
            QTimer.singleShot(self.DEEP_CLEAN_AFTER_CLOSE_MS, self._gc.deep_clean)

    def schedule_layout_save(self) -> None:
        """Write the window layout soon (changes within :attr:`LAYOUT_SAVE_DELAY_MS` coalesce)."""
        if not self._quitting and self._settings is not None:
            self._layout_timer.start()

    def _save_layout(self) -> None:
        windows = self.windows
        if self._quitting or self._settings is None or not windows:
            return
        self._settings.set_window_states([WindowState(w.geometry_bytes(), w.current_room) for w in windows])
        log.debug("window layout saved (%d windows)", len(windows))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Move, QEvent.Type.Resize) and isinstance(watched, AppWindow):
            self.schedule_layout_save()
        return super().eventFilter(watched, event)

    def _record_windows(self, windows: list[AppWindow]) -> None:
        if self._settings is None or not windows:
            return
        states = [WindowState(w.geometry_bytes(), w.current_room) for w in windows]
        self._settings.set_window_states(states)
        self._windows_recorded = True

    def _raise_some_window(self, room: bytes | None = None) -> AppWindow | None:
        """Bring the newest window (or the newest one showing ``room``) to the front; open one if none is."""
        windows = self.windows
        if not windows:
            return None if self._quitting else self.open_window(room)
        showing = [w for w in windows if room is not None and w.current_room == room]
        window = (showing or windows)[-1]
        window.showNormal()
        window.raise_()
        window.activateWindow()
        return window

    def another_launch(self) -> None:
        """The app was launched again on this profile: show the hidden windows, else open a new one."""
        if self._quitting:
            return
        if any(w.isVisible() for w in self._windows.values()):
            self.open_window()
        else:
            for window in self.windows:
                window.showNormal()
            self._raise_some_window()

    def show_room(self, room: bytes) -> None:
        """A click on a room's notification: a window comes to the front and shows that room."""
        window = self._raise_some_window(room)
        if window is not None and window.is_loaded:
            window.select_room(room)

    def _on_unread(self, window: AppWindow, counts: dict[bytes, int]) -> None:
        """The tray follows one window's counts (the oldest open one): every window converges on the same
        numbers, and listening to one avoids duplicate notifications."""
        windows = self.windows
        if self.tray is None or not windows or windows[0] is not window:
            return
        names = RoomNames(window.rooms.rooms)  # read only for the rooms a notification names
        modes = {key: window.rooms.notification_mode(key) for key in counts}
        self.tray.update_counts(counts, names, modes, partial(notice_preview.preview, self.controller, window.rooms))

    # ------------------------------------------------------------------ quitting

    def request_quit(self) -> None:
        """Quit (Ctrl+Q), last window closed, tray Quit, SIGTERM: record the windows, close them, wake
        :meth:`wait_for_quit`. The caller then awaits :meth:`shutdown`."""
        if self._quitting:
            return
        self._quitting = True
        self._layout_timer.stop()
        windows = self.windows
        if windows:
            self._record_windows(windows)
        for window in windows:
            window.close()
        if self._quit_event is not None:
            self._quit_event.set()
        self.quitRequested.emit()

    async def wait_for_quit(self) -> None:
        if self._quit_event is None:
            raise RuntimeError("RiverDesktop.start() has not been awaited yet")
        await self._quit_event.wait()

    async def shutdown(self) -> None:
        """Finish every started save (from every window, open or closed), then close the store. Idempotent."""
        if self._shutdown_task is None:
            self._shutdown_task = asyncio.ensure_future(self._shutdown())
        await asyncio.shield(self._shutdown_task)

    async def _shutdown(self) -> None:
        self.shuttingDown.emit()
        windows = self.windows
        if windows and not self._windows_recorded:
            self._record_windows(windows)
        self._quitting = True
        for window in windows:
            window.close()
        # 1. every save that was started completes (a closed window's saves included)
        while self._save_tasks:
            await asyncio.gather(*list(self._save_tasks), return_exceptions=True)
        # 2. background reads (live sync, unread counts, message pages) are no longer wanted
        pending = [t for t in self._tasks if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        if self._network is not None:
            await self._network.close()  # before the store closes: the engine gives up the lease
        if self.tray is not None:
            self.tray.hide()
        if self._settings is not None:
            self._settings.sync()
        if self._controller is not None:
            await self._controller.close()
        self._gc.stop()
        self._closed = True
        if self._quit_event is not None:
            self._quit_event.set()
        log.info("shut down")


# ---------------------------------------------------------------------- garbage collection on the GUI thread


class MainThreadGarbageCollector(QObject):
    """Run Python's cyclic garbage collector on the GUI thread only, in short pauses.

    Left automatic, a collection runs in whichever thread happens to allocate — often the storage
    worker — and a Qt object caught in a reference cycle is then destroyed on the wrong thread: its
    timers cannot be unregistered there, and the event loop later delivers a timer event to freed
    memory (a crash). So automatic collection is switched off while any application object is
    running, and a GUI-thread timer collects whenever the usual thresholds are exceeded.

    A collection's pause grows with the objects it traverses. Loading or syncing 1,000 rooms
    allocates tens of thousands of long-lived objects at once (on the storage thread); traversing
    them would stall the GUI for tens of milliseconds, and every later full collection would
    traverse them again. So what exists at :meth:`start`, and every burst of more than :attr:`BURST`
    new objects, is frozen instead (``gc.freeze``: moved out of the collector's reach, no traversal),
    and the timer's collections only see what came after. Cycles that die inside the frozen part
    are reclaimed by :meth:`deep_clean` — when a window closes (that is when big cyclic structures
    die) and on :meth:`stop` — which unfreezes, collects everything once and freezes the survivors
    again.
    """

    INTERVAL_MS = 500
    BURST = 10_000
    _active = 0
    _was_enabled = True

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self.collect_if_due)
        self._running = False

    def start(self) -> None:
        if self._running:
            return
        self._running = True
        cls = MainThreadGarbageCollector
        if cls._active == 0:
            cls._was_enabled = gc.isenabled()
            gc.disable()
        cls._active += 1
        gc.freeze()  # what exists now (modules, classes, Qt's wrappers) lives as long as the app
        self._timer.start()

    def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        self._timer.stop()
        cls = MainThreadGarbageCollector
        cls._active -= 1
        gc.unfreeze()
        gc.collect()
        if cls._active == 0 and cls._was_enabled:
            gc.enable()
        elif cls._active > 0:
            gc.freeze()

    def collect_if_due(self) -> int:
        count = gc.get_count()
        if count[0] > self.BURST:
            gc.freeze()  # a burst of (mostly long-lived) data: keep it out of every later traversal
            return 0
        threshold = gc.get_threshold()
        generation = -1
        for gen in range(3):
            if count[gen] > threshold[gen]:
                generation = gen
        return gc.collect(generation) if generation >= 0 else 0

    def deep_clean(self) -> int:
        """Collect everything, frozen objects included, then freeze the survivors (one longer pause)."""
        if not self._running:
            return 0
        gc.unfreeze()
        found = gc.collect()
        gc.freeze()
        return found


# ---------------------------------------------------------------------- theme


def resources_dir() -> Path:
    """``resources/`` inside the package (installed builds) or beside it (a source checkout)."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "resources", package.parent / "resources"):
        if candidate.is_dir():
            return candidate
    return package.parent / "resources"


def stylesheet_for(scheme: Qt.ColorScheme) -> str:
    """The contents of ``resources/styles/{light,dark}.qss`` for the scheme ("" when there is none)."""
    name = "dark" if scheme == Qt.ColorScheme.Dark else "light"
    path = resources_dir() / "styles" / f"{name}.qss"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def apply_color_scheme(app: QApplication) -> Qt.ColorScheme:
    scheme = app.styleHints().colorScheme()
    app.setStyleSheet(stylesheet_for(scheme))
    return scheme


def install_theme(app: QApplication) -> None:
    """Follow the system's light/dark scheme now and whenever it changes."""
    apply_color_scheme(app)
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_color_scheme(app))


# ---------------------------------------------------------------------- self-test


async def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting until {what}")
        await asyncio.sleep(0.02)


async def self_test(desktop: Application, timeout: float = 15.0) -> None:
    """Two windows on one profile: a room created in one shows up live in the other; save; quit.

    Raises on any failure (the caller maps that to a non-zero exit status).
    """
    a = desktop.open_window()
    b = desktop.open_window()
    await wait_until(lambda: a.is_loaded and b.is_loaded, timeout, "both windows have loaded")
    name = f"Self-test {time.strftime('%H:%M:%S')}"
    room = a.create_room(name, "self-test")
    if room is None:
        raise RuntimeError("the room could not be created")
    await wait_until(lambda: room.owner_vk in b.rooms.rooms, timeout, "the second window shows the new room")
    await a.flush()
    if a.save_error:
        raise RuntimeError(f"saving failed: {a.save_error}")
    desktop.request_quit()
    await desktop.shutdown()
    check = await StorageController.open(desktop.profile_dir)
    try:
        rooms = await check.load()
    finally:
        await check.close()
    if room.owner_vk not in rooms.rooms:
        raise RuntimeError("the saved room is missing after a fresh load")


__all__ = [
    "Application",
    "MainThreadGarbageCollector",
    "apply_color_scheme",
    "install_theme",
    "resources_dir",
    "self_test",
    "stylesheet_for",
]
