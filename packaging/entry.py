"""Frozen-app entry point for PyInstaller: runs the River Desktop GUI (``river_desktop.__main__:main``).

Kept outside the package so PyInstaller analyses a plain script; the installed ``river-desktop`` GUI
script does the same thing for a pip install.
"""

from __future__ import annotations

import multiprocessing
import sys

from river_desktop.__main__ import main

if __name__ == "__main__":
    # A frozen app that starts helper processes must let the bootloader handle the child's argv.
    multiprocessing.freeze_support()
    sys.exit(main())
