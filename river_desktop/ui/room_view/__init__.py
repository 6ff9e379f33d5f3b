"""The room view: one room's conversation, composer and member panel.

`view.RoomView` assembles the parts; each part has its own module here (the message model and its delegate,
the composer, the member panel, message actions, search), so a change to one of them has one obvious home.
"""

from river_desktop.ui.room_view.composer import Composer
from river_desktop.ui.room_view.message_model import MessageListModel, ShownMessage, format_time
from river_desktop.ui.room_view.view import RoomView, read_marker

__all__ = ["Composer", "MessageListModel", "RoomView", "ShownMessage", "format_time", "read_marker"]
