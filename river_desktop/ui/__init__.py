"""Qt user interface: application, windows, models, views and dialogs (the only layer that imports Qt)."""
