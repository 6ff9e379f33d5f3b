"""River Desktop: a native desktop chat-room manager for River on Freenet."""


def __getattr__(name: str) -> str:
    """``__version__`` from the installed metadata, looked up only when asked (it costs ~30 ms)."""
    if name != "__version__":
        raise AttributeError(name)
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("river-desktop")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0.0.0+unknown"
