"""Issue 10 in the window: a post and its room are saved together, so a failed save never leaves a message behind
that a retry (or sending it again) would post a second time."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from river_desktop.domain.river.content import display_text
from river_desktop.domain.river.views import open_body
from river_desktop.storage.controller import hist_key_of
from river_desktop.storage.slots import hist_prefix
from river_desktop.ui.main_window import SaveState
from tests.gui.conftest import WAIT_MS, DesktopFactory, click, create_room_via_dialog, open_window, wait_saved
from tests.gui.test_app import post_via_composer
from tests.helpers.kv_wrappers import RoomWritesFailWhileArmedKV


def test_a_post_whose_save_fails_is_not_in_the_store_and_retry_posts_it_once(
    qtbot: QtBot, make_desktop: DesktopFactory
) -> None:
    desktop = make_desktop()
    controller = desktop.controller
    faulty = RoomWritesFailWhileArmedKV(controller.store)
    controller._store = faulty  # every later store call of this controller goes through the fault
    window = open_window(qtbot, desktop)
    room = create_room_via_dialog(qtbot, window, "Atomic")

    faulty.armed = True
    post_via_composer(qtbot, window, "only once, please")
    qtbot.waitUntil(lambda: window.save_state is SaveState.FAILED, timeout=WAIT_MS)
    assert faulty.list(hist_prefix(room)) == [], "the message was stored although its save failed"
    (unsent,) = window.unsent_messages
    assert display_text(open_body(unsent.message.content).content) == "only once, please"

    faulty.armed = False
    click(window.saveRetryButton)
    wait_saved(qtbot, window)
    assert faulty.list(hist_prefix(room)) == [hist_key_of(room, unsent)]
    assert window.unsent_messages == []
    window.retry_save()  # a second retry (or any later save) finds nothing left to post
    wait_saved(qtbot, window)
    assert len(faulty.list(hist_prefix(room))) == 1


def test_leaving_a_room_drops_its_unsent_post_instead_of_carrying_it_forever(
    qtbot: QtBot, make_desktop: DesktopFactory
) -> None:
    desktop = make_desktop()
    controller = desktop.controller
    faulty = RoomWritesFailWhileArmedKV(controller.store)
    controller._store = faulty
    window = open_window(qtbot, desktop)
    room = create_room_via_dialog(qtbot, window, "Left behind")
    faulty.armed = True
    post_via_composer(qtbot, window, "never sent")
    qtbot.waitUntil(lambda: window.save_state is SaveState.FAILED, timeout=WAIT_MS)
    faulty.armed = False
    assert window.leave_room(room)
    wait_saved(qtbot, window)
    assert window.unsent_messages == []
    assert faulty.list(hist_prefix(room)) == []
