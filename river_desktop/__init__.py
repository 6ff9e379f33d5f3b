"""River Desktop: a native desktop chat-room manager for River on Freenet."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("river-desktop")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
