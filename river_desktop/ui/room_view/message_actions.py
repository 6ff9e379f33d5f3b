"""The message actions of the room view: reply, edit and delete your own, react, copy text, copy a
link, open a link (after showing its address).

A mixin of :class:`~river_desktop.ui.room_view.RoomView` (it needs the view's model, list, composer and
reply bar, declared below); kept apart so the view's file holds layout and feeding, this one the actions.
The view asks, the window acts: the signals carry River's message id.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, SignalInstance
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QPalette
from PySide6.QtWidgets import QAbstractItemView, QFrame, QHBoxLayout, QLabel, QMessageBox, QToolButton, QWidget

from river_desktop.domain.rooms import RoomData
from river_desktop.ui.room_view import message_list
from river_desktop.ui.room_view.composer import Composer
from river_desktop.ui.room_view.message_delegate import MessageDelegate
from river_desktop.ui.room_view.message_list import MessageListView
from river_desktop.ui.room_view.message_model import MessageListModel, Reaction, ShownMessage, message_link, one_line
from river_desktop.ui.room_view.reaction_picker import ReactionPicker
from river_desktop.ui.text_widgets import ElidedLabel


class MessageActionsMixin:
    """The reply bar and edit mode, the delete and open-link confirmations, the reaction picker, copying."""

    model: MessageListModel
    messageList: MessageListView
    composer: Composer
    replyBar: QFrame
    replyLead: QLabel
    replyQuote: ElidedLabel
    actionReply: QAction
    actionReact: QAction
    actionEdit: QAction
    actionDelete: QAction
    actionCopyText: QAction
    actionCopyLink: QAction
    edit_requested: SignalInstance
    delete_requested: SignalInstance
    react_requested: SignalInstance
    unreact_requested: SignalInstance
    _room: RoomData | None
    _reply_to: ShownMessage | None
    _editing: ShownMessage | None
    _draft_before_edit: str
    _picker: ReactionPicker | None
    _delete_dialog: QMessageBox | None
    _link_dialog: QMessageBox | None
    delegate: MessageDelegate
    _changes_allowed: bool = True

    def selected_message(self) -> ShownMessage | None:
        raise NotImplementedError

    def _widget(self) -> QWidget:
        assert isinstance(self, QWidget)
        return self

    def can_edit(self, message: ShownMessage | None) -> bool:
        return message is not None and self.model.is_own(message) and message.has_text

    def can_delete(self, message: ShownMessage | None) -> bool:
        return message is not None and self.model.is_own(message)

    def editing(self) -> ShownMessage | None:
        """The message the composer is editing, if any (its next send replaces that message's text)."""
        return self._editing

    def edit_selected_message(self) -> None:
        msg = self.selected_message()
        if self.can_edit(msg):
            assert msg is not None
            self.start_edit(msg)

    def edit_last_own_message(self) -> None:
        """Up in an empty composer: edit your newest message (nothing when you have none)."""
        msg = self.model.last_own_editable()
        if msg is not None:
            self.start_edit(msg)

    def start_edit(self, message: ShownMessage) -> None:
        """Put ``message``'s text in the composer; Enter saves the edit, Escape puts the draft back."""
        if self._room is None or message.room != self._room.owner_vk or not self.can_edit(message):
            return
        if self._editing is None:
            self._draft_before_edit = self.composer.toPlainText()
        self._reply_to = None
        self._editing = message
        self.replyLead.setText("Editing")
        self.replyQuote.setText(one_line(self.model.shown_text(message), 160))
        self.replyBar.show()
        self.composer.setPlainText(message.text)
        self.composer.moveCursor(self.composer.textCursor().MoveOperation.End)
        self.composer.setFocus(Qt.FocusReason.OtherFocusReason)
        row = self.model.row_of(message.id)
        if row >= 0:
            self.messageList.scrollTo(self.model.index(row))

    def cancel_edit(self) -> None:
        """Leave edit mode and give the composer back the draft it held before."""
        if self._editing is None:
            return
        self._editing = None
        self.composer.setPlainText(self._draft_before_edit)
        self.composer.moveCursor(self.composer.textCursor().MoveOperation.End)
        self._draft_before_edit = ""
        self.replyQuote.setText("")
        self.replyBar.hide()

    def delete_selected_message(self) -> QMessageBox | None:
        msg = self.selected_message()
        if not self.can_delete(msg):
            return None
        assert msg is not None
        return self.confirm_delete(msg)

    def confirm_delete(self, message: ShownMessage) -> QMessageBox:
        """Ask before deleting: River removes the text for everyone, and it cannot be undone."""
        if self._delete_dialog is not None:
            self._delete_dialog.close()
        box = QMessageBox(self._widget())
        box.setObjectName("deleteConfirm")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Delete Message")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText("Delete this message for everyone in the room?")
        box.setInformativeText(f"“{one_line(self.model.shown_text(message), 160)}”\n\nThis cannot be undone.")
        delete = box.addButton("&Delete", QMessageBox.ButtonRole.DestructiveRole)
        delete.setObjectName("deleteButton")
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        message_id = message.id
        delete.clicked.connect(lambda: self.delete_requested.emit(message_id))
        box.finished.connect(lambda _result: setattr(self, "_delete_dialog", None))
        self._delete_dialog = box
        box.open()
        return box

    def react_to_selected_message(self) -> ReactionPicker | None:
        msg = self.selected_message()
        if msg is None:
            return None
        return self.open_reaction_picker(msg)

    def open_reaction_picker(self, message: ShownMessage) -> ReactionPicker:
        """The picker for ``message``; choosing a reaction you already gave takes it back."""
        if self._picker is not None:
            self._picker.close()
        picker = ReactionPicker(self._widget())
        message_id = message.id
        picker.chosen.connect(lambda emoji: self.toggle_reaction(message_id, emoji))
        picker.finished.connect(lambda _result: setattr(self, "_picker", None))
        self._picker = picker
        picker.open()
        return picker

    def reaction_picker(self) -> ReactionPicker | None:
        return self._picker

    def toggle_reaction(self, message_id: int, emoji: str) -> None:
        """React with ``emoji``, or take your reaction back when you already gave that one."""
        msg = self.model.message(message_id)
        if msg is None:
            return
        mine = any(r.emoji == emoji and r.mine for r in self.model.reactions(msg))
        if mine:
            self.unreact_requested.emit(message_id, emoji)
        else:
            self.react_requested.emit(message_id, emoji)

    def _on_reaction_clicked(self, index: QModelIndex, reaction: Reaction) -> None:
        msg = self.model.message_at(index.row())
        if msg is not None:
            self.toggle_reaction(msg.id, reaction.emoji)

    def copy_link_of_selected_message(self) -> None:
        msg = self.selected_message()
        if msg is not None:
            QGuiApplication.clipboard().setText(message_link(msg.room, msg.id))

    def changes_allowed(self) -> bool:
        return self._changes_allowed

    def set_changes_allowed(self, allowed: bool) -> None:
        """A profile that takes no writes (read-only, damaged, gone) offers only the actions that change nothing:
        copying text and links."""
        self._changes_allowed = allowed
        self._update_message_actions()

    def _update_message_actions(self, *_: object) -> None:
        msg = self.selected_message()
        changes = self._changes_allowed
        self.actionReply.setEnabled(changes and msg is not None)
        self.actionReact.setEnabled(changes and msg is not None)
        self.actionCopyText.setEnabled(msg is not None)
        self.actionCopyLink.setEnabled(msg is not None)
        self.actionEdit.setEnabled(changes and self.can_edit(msg))
        self.actionDelete.setEnabled(changes and self.can_delete(msg))

    def _list_action(self, name: str, text: str, shortcut: str, *, before: QAction | None = None) -> QAction:
        """An action of the message list: in its context menu, its shortcut only while the list has focus."""
        action = QAction(text, self.messageList)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        if before is None:
            self.messageList.addAction(action)
        else:
            self.messageList.insertAction(before, action)
        return action

    def _forget_removed(self, *_: object) -> None:
        """A message that left the list (deleted) is no longer replied to or edited."""
        if self._reply_to is not None and self.model.message(self._reply_to.id) is None:
            self.cancel_reply()
        if self._editing is not None and self.model.message(self._editing.id) is None:
            self.cancel_edit()
        self._update_message_actions()

    def _composer_escape(self) -> None:
        if self._editing is not None:
            self.cancel_edit()
        else:
            self.cancel_reply()

    def copy_selected_message(self) -> None:
        msg = self.selected_message()
        if msg is not None:
            QGuiApplication.clipboard().setText(self.model.shown_text(msg))

    # -- replying and links

    def jump_to_original(self, row: int) -> bool:
        """Select and show the message the reply in ``row`` quotes; False when it is not loaded (older
        history not read yet, or deleted)."""
        msg = self.model.message_at(row)
        target = None if msg is None else msg.item.reply_to
        original = -1 if target is None else self.model.row_of(target.message_id)
        if original < 0:
            return False
        index = self.model.index(original)
        self.messageList.setCurrentIndex(index)
        self.messageList.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def reply_to_selected_message(self) -> None:
        msg = self.selected_message()
        if msg is not None:
            self.start_reply(msg)

    def start_reply(self, message: ShownMessage) -> None:
        """Write the next message as a reply to ``message``: the bar quotes it, Escape or × drops it."""
        if self._room is None or message.room != self._room.owner_vk:
            return
        self.cancel_edit()
        self._reply_to = message
        self.replyLead.setText("Replying to")
        quote = f"{self.model.author(message.author_id)}: {one_line(self.model.shown_text(message), 160)}"
        self.replyQuote.setText(quote)
        self.replyBar.show()
        self.composer.setFocus(Qt.FocusReason.OtherFocusReason)

    def cancel_reply(self) -> None:
        self._reply_to = None
        if self._editing is None:
            self.replyQuote.setText("")
            self.replyBar.hide()

    def reply_target(self) -> ShownMessage | None:
        """The message the composer's next send replies to, if any."""
        return self._reply_to

    def reply_to_id(self) -> int | None:
        return None if self._reply_to is None else self._reply_to.id

    def open_link_of_selected_message(self) -> None:
        """The keyboard path to a link: the first link of the selected message, confirmed first."""
        index = self.messageList.currentIndex()
        if self.selected_message() is None:
            return
        links = self.delegate.links_of(index)
        if links:
            self.confirm_open_link(links[0])

    def confirm_open_link(self, url: str) -> QMessageBox:
        """Ask before a link leaves the app, showing its whole address; nothing is fetched until then."""
        if self._link_dialog is not None:
            self._link_dialog.close()
        box = QMessageBox(self._widget())
        box.setObjectName("linkConfirm")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Open Link")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText("Open this address in your web browser?")
        box.setInformativeText(url)
        open_button = box.addButton("&Open in Browser", QMessageBox.ButtonRole.AcceptRole)
        open_button.setObjectName("openLinkButton")
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(lambda: message_list.open_in_browser(url))
        box.finished.connect(lambda _result: setattr(self, "_link_dialog", None))
        self._link_dialog = box
        box.open()
        return box

    def _build_reply_bar(self) -> QFrame:
        bar = QFrame(self._widget())
        bar.setObjectName("replyBar")
        bar.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(bar)
        row.setContentsMargins(6, 2, 2, 2)
        lead = QLabel("Replying to", bar)
        lead.setObjectName("replyLead")
        lead.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.replyLead = lead
        self.replyQuote = ElidedLabel(bar)
        self.replyQuote.setObjectName("replyQuote")
        close = QToolButton(bar)
        close.setObjectName("replyCancel")
        close.setText("×")
        close.setToolTip("Cancel the reply or edit (Esc)")
        close.setAccessibleName("Cancel the reply or edit")
        close.setAutoRaise(True)
        close.clicked.connect(self._composer_escape)
        row.addWidget(lead)
        row.addWidget(self.replyQuote, 1)
        row.addWidget(close)
        bar.hide()
        return bar


__all__ = ["MessageActionsMixin"]
