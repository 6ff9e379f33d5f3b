"""ListRows: a refresh hands back the very row objects of unchanged rooms; badge rows made elsewhere are adopted
only while nothing was shown differently since they were made."""

from __future__ import annotations

from dataclasses import replace

from river_desktop.domain.rooms import NotificationMode, Rooms
from river_desktop.ui.list_rows import ListRows, badge_rows


def three_rooms() -> tuple[Rooms, list[bytes]]:
    rooms = Rooms()
    keys = [rooms.create_room(name, "me").owner_vk for name in ("Alpha", "Bravo", "Charlie")]
    return rooms, keys


def test_unchanged_rooms_keep_their_row_objects() -> None:
    rooms, keys = three_rooms()
    rows = ListRows()
    first = rows.rows(rooms, {})
    again = rows.rows(rooms, {keys[1]: 4})
    assert [r.key for r in again] == [r.key for r in first]
    assert again[0] is first[0] and again[2] is first[2]
    assert again[1] is not first[1] and again[1].unread == 4
    rooms.set_notification_mode(keys[2], NotificationMode.MUTED)
    third = rows.rows(rooms, {keys[1]: 4})
    assert third[:2] == again[:2] and third[0] is again[0] and third[1] is again[1]
    assert third[2].mode is NotificationMode.MUTED


def test_badge_rows_cover_only_changed_counts_and_rows_refreshed_meanwhile_are_redone() -> None:
    rooms, keys = three_rooms()
    rows = ListRows()
    shown = rows.rows(rooms, {})
    prepared = badge_rows(rows.snapshot(), {keys[0]: 0, keys[2]: 7})
    assert list(prepared) == [keys[2]]
    assert prepared[keys[2]] == (shown[2], replace(shown[2], unread=7))
    assert rows.adopt_badges(prepared, {keys[0]: 0, keys[2]: 7}) == prepared
    after = rows.rows(rooms, {keys[2]: 7})
    assert after[2] is prepared[keys[2]][1] and after[0] is shown[0]

    counts = {keys[0]: 1, keys[1]: 3, keys[2]: 7}
    prepared = badge_rows(rows.snapshot(), counts)
    assert set(prepared) == {keys[0], keys[1]}
    rooms.set_notification_mode(keys[1], NotificationMode.MUTED)  # a refresh, with the older counts
    refreshed = rows.rows(rooms, {keys[2]: 7})
    adopted = rows.adopt_badges(prepared, counts)
    assert set(adopted) == {keys[0], keys[1]}
    assert adopted[keys[1]][0] is refreshed[1]
    assert adopted[keys[1]][1] == replace(refreshed[1], unread=3)
    final = rows.rows(rooms, counts)
    assert final[0] is adopted[keys[0]][1] and final[1] is adopted[keys[1]][1] and final[2] is refreshed[2]


def test_few_badges_are_adopted_here_and_a_room_without_a_row_asks_for_every_row() -> None:
    rooms, keys = three_rooms()
    rows = ListRows()
    shown = rows.rows(rooms, {keys[0]: 2})
    made = rows.few_badges({keys[0]: 2, keys[1]: 5})
    assert made == {keys[1]: (shown[1], replace(shown[1], unread=5))}  # keys[0]'s badge did not change
    after = rows.rows(rooms, {keys[0]: 2, keys[1]: 5})
    assert after[1] is made[keys[1]][1] and after[0] is shown[0] and after[2] is shown[2]
    newcomer = rooms.create_room("Delta", "me").owner_vk
    assert rows.few_badges({keys[2]: 1, newcomer: 3}) is None
    assert rows.rows(rooms, {keys[0]: 2, keys[1]: 5})[2] is shown[2]  # nothing was adopted
