#!/usr/bin/env python3
"""Render the app icon SVG to the hicolor PNGs that desktops and installers use.

    python packaging/render_icons.py            # (re)write resources/icons/hicolor/*/apps/*.png
    python packaging/render_icons.py --check    # exit 1 when a PNG is missing or out of date
    python packaging/render_icons.py --sheet F  # also write a contact sheet of the UI glyphs to F

Rendering uses Qt's own SVG renderer on the offscreen platform, so it needs nothing but PySide6 and runs
headless. Run it after every change to ``resources/icons/river-desktop.svg`` and commit the PNGs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
APP_SVG = ICONS / "river-desktop.svg"
APP_ID = "org.freenet.RiverDesktop"
SIZES = (48, 128, 256)
# Qt versions antialias a little differently; a committed PNG is "current" when no channel of any pixel
# differs by more than this from a fresh rendering.
TOLERANCE = 24


def png_path(size: int) -> Path:
    return ICONS / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def render(svg: Path, size: int, background: QColor | None = None) -> QImage:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"error: {svg} is not a valid SVG for Qt")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(background if background is not None else QColor(Qt.GlobalColor.transparent))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def max_difference(a: QImage, b: QImage) -> int:
    """Largest per-channel difference between two same-sized images (ARGB32)."""
    a = a.convertToFormat(QImage.Format.Format_ARGB32)
    b = b.convertToFormat(QImage.Format.Format_ARGB32)
    worst = 0
    for y in range(a.height()):
        for x in range(a.width()):
            pa, pb = a.pixel(x, y), b.pixel(x, y)
            for shift in (0, 8, 16, 24):
                worst = max(worst, abs(((pa >> shift) & 0xFF) - ((pb >> shift) & 0xFF)))
    return worst


def write_pngs() -> None:
    for size in SIZES:
        path = png_path(size)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not render(APP_SVG, size).save(str(path)):
            raise SystemExit(f"error: could not write {path}")
        print(f"wrote {path.relative_to(ROOT)}")


def check_pngs() -> int:
    stale = 0
    for size in SIZES:
        path = png_path(size)
        current = QImage(str(path))
        if current.isNull():
            print(f"missing: {path.relative_to(ROOT)}")
            stale += 1
            continue
        if current.size().width() != size or current.size().height() != size:
            print(f"wrong size: {path.relative_to(ROOT)} is {current.width()}x{current.height()}")
            stale += 1
            continue
        diff = max_difference(current, render(APP_SVG, size))
        if diff > TOLERANCE:
            print(f"out of date: {path.relative_to(ROOT)} (max channel difference {diff})")
            stale += 1
    if stale:
        print("run: python packaging/render_icons.py")
        return 1
    print(f"icons up to date ({len(SIZES)} PNGs)")
    return 0


def write_sheet(target: Path) -> None:
    """The app icon at its sizes and every UI glyph at 16/24/32 px on light and dark backgrounds."""
    glyphs = sorted((ICONS / "ui").glob("*.svg"))
    glyph_sizes = (16, 24, 32)
    cell = 40
    width = max(256 + 128 + 48 + 40, cell * len(glyph_sizes) * 2 + 20)
    height = 256 + 20 + cell * len(glyphs) + 10
    sheet = QImage(width, height, QImage.Format.Format_ARGB32)
    sheet.fill(QColor("#ffffff"))
    painter = QPainter(sheet)
    x = 10
    for size in sorted(SIZES, reverse=True):
        painter.drawImage(x, 10, render(APP_SVG, size))
        x += size + 10
    painter.fillRect(cell * len(glyph_sizes), 256 + 20, width, height, QColor("#2b2d31"))
    for row, glyph in enumerate(glyphs):
        y = 256 + 20 + row * cell + 4
        for column, size in enumerate(glyph_sizes * 2):
            painter.drawImage(column * cell + 4, y, render(glyph, size))
    painter.end()
    if not sheet.save(str(target)):
        raise SystemExit(f"error: could not write {target} (the name must end in .png)")
    print(f"wrote {target} ({', '.join(g.stem for g in glyphs)})")


def main(argv: list[str] | None = None) -> int:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--check", action="store_true", help="verify the committed PNGs instead of writing")
    parser.add_argument("--sheet", type=Path, help="write a preview sheet of all icons to this PNG file")
    args = parser.parse_args(argv)
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    if args.check:
        status = check_pngs()
    else:
        write_pngs()
        status = 0
    if args.sheet is not None:
        write_sheet(args.sheet)
    return status


if __name__ == "__main__":
    sys.exit(main())
