"""Launch River Desktop: ``river-desktop [--profile DIR]`` or ``python -m river_desktop``.

The qasync loop *is* the Qt event loop; the main coroutine opens the profile, restores the windows,
waits for a quit request (Quit, the last window closing, SIGTERM / SIGINT) and awaits the shutdown
(which finishes every started save) before the loop ends. A launch on a profile another process
already serves hands over to it (that process opens a window) and exits 0 without opening the store.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import logging.handlers
import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from river_desktop import __version__

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

log = logging.getLogger("river_desktop")

LOG_FILENAME = "river-desktop.log"
EXIT_OK = 0
EXIT_SELF_TEST_FAILED = 1
EXIT_CANNOT_OPEN = 2


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="river-desktop",
        description="River Desktop: your River chat rooms, in as many windows as you like.",
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        type=Path,
        default=None,
        help="the profile directory (default: the platform's user data directory)",
    )
    parser.add_argument("--version", action="version", version=f"river-desktop {__version__}")
    parser.add_argument(
        "--log-level",
        default="WARNING",
        type=str.upper,
        choices=["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"],
        help="how much to log to stderr and the log file (default: WARNING)",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open two windows, create a room in one, wait for the other to show it, save, "
        "quit; exit status 0 on success (uses a temporary profile unless --profile is given)",
    )
    args, qt_args = parser.parse_known_args(argv)
    args.qt_args = qt_args
    return args


def configure_logging(level: str, log_dir: Path) -> Path | None:
    """stderr plus a rotating file in ``log_dir``; returns the file's path (None when it cannot be written)."""
    root = logging.getLogger()
    root.setLevel(level)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(formatter)
    root.addHandler(console)
    try:
        log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = log_dir / LOG_FILENAME
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    except OSError as exc:
        log.warning("no log file (%s): %s", log_dir, exc.strerror or exc)
        return None
    handler.setFormatter(formatter)
    root.addHandler(handler)
    return path


def make_application(qt_args: list[str]) -> QApplication:
    os.environ.setdefault("QT_API", "pyside6")
    from PySide6.QtWidgets import QApplication

    from river_desktop.ui import icons
    from river_desktop.ui.app import install_theme

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("river-desktop")
    app.setApplicationDisplayName("River Desktop")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("river-desktop")
    app.setWindowIcon(icons.app_icon())
    app.setQuitOnLastWindowClosed(False)
    install_theme(app)
    return app


async def _show_fatal(message: str) -> None:
    """A blocking-free error box for failures before any window exists."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Critical, "River Desktop", "River Desktop cannot start.")
    box.setInformativeText(message)
    box.setObjectName("FatalErrorDialog")
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def finished(_result: int) -> None:
        if not done.done():
            done.set_result(None)

    box.finished.connect(finished)
    box.open()
    await done


async def run(args: argparse.Namespace, log_dir: Path) -> int:
    from river_desktop.storage.errors import StorageError
    from river_desktop.storage.profile import default_profile_dir
    from river_desktop.ui.app import self_test
    from river_desktop.ui.desktop import RiverDesktop
    from river_desktop.ui.single_instance import InstanceServer, hand_over, server_name

    loop = asyncio.get_running_loop()
    temp: tempfile.TemporaryDirectory[str] | None = None
    profile: Path | None = args.profile
    if args.self_test and profile is None:
        temp = tempfile.TemporaryDirectory(prefix="river-desktop-self-test-")
        profile = Path(temp.name) / "profile"
    instance: InstanceServer | None = None
    if not args.self_test:
        name = server_name(profile if profile is not None else default_profile_dir())
        if hand_over(name):
            log.info("River Desktop is already running on this profile; it was asked to show a window")
            return EXIT_OK
        instance = InstanceServer(name)
    try:
        desktop = RiverDesktop(profile, log_dir=log_dir)
        try:
            await desktop.start()
        except StorageError as exc:
            log.error("cannot open the profile: %s", exc)
            if not args.self_test:
                await _show_fatal(str(exc))
            return EXIT_CANNOT_OPEN
        for signum in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(signum, desktop.request_quit)
            except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
                signal.signal(signum, lambda _s, _f: loop.call_soon_threadsafe(desktop.request_quit))
        if args.self_test:
            try:
                await asyncio.wait_for(self_test(desktop), timeout=60)
            except Exception as exc:
                log.error("self-test failed: %s", exc, exc_info=True)
                print(f"self-test failed: {exc}", file=sys.stderr)
                await desktop.shutdown()
                return EXIT_SELF_TEST_FAILED
            print("self-test passed")
            return EXIT_OK
        if instance is not None:
            if not instance.listen():
                log.info("River Desktop started on this profile meanwhile; it was asked to show a window")
                await desktop.shutdown()
                return EXIT_OK
            instance.launched.connect(desktop.another_launch)
        desktop.restore_windows()
        log.info("River Desktop %s ready (profile %s)", __version__, desktop.profile_dir)
        await desktop.wait_for_quit()
        if instance is not None:
            instance.close()  # a launch from now on starts on its own instead of handing over to a closing app
        await desktop.shutdown()
        return EXIT_OK
    finally:
        if instance is not None:
            instance.close()
        if temp is not None:
            temp.cleanup()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from river_desktop.storage.profile import default_log_dir

    log_dir = default_log_dir()
    configure_logging(args.log_level, log_dir)
    app = make_application(args.qt_args)
    import qasync  # after PySide6, so qasync binds to it

    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        return runner.run(run(args, log_dir))


if __name__ == "__main__":
    sys.exit(main())
