"""Render the app icon's PNGs and Windows .ico from resources/icons/tagdesk.svg.

Usage (from the repository root, in the venv):

    python packaging/render_icons.py                # rewrite resources/icons/tagdesk-*.png and tagdesk.ico
    python packaging/render_icons.py --iconset DIR  # only write a macOS .iconset folder (for iconutil)

The PNGs and the .ico are committed, so builds never need this script; run it after
editing the SVG. Rendering uses Qt's own SVG renderer (QtSvg ships in PySide6-Essentials),
and the .ico is written here (no Pillow, no ImageMagick): BMP entries up to 128 px and a
PNG entry at 256 px, the layout Windows Explorer and Inno Setup expect. The macOS .icns
is made from the iconset by ``iconutil`` on the macOS build runner
(.github/workflows/packaging.yml).
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.resources import APP_ICON_ICO, APP_ICON_SVG, ICON_SIZES, icon_png, resource_path  # noqa: E402

ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# The file names iconutil wants: (name, pixels).
ICONSET = [(f"icon_{s}x{s}{suffix}.png", s * scale) for s in (16, 32, 128, 256, 512)
           for suffix, scale in (("", 1), ("@2x", 2))]


def render(svg: Path, size: int) -> object:
    """The SVG drawn on a transparent ``size`` x ``size`` QImage (non-premultiplied ARGB32)."""
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"cannot parse {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def png_bytes(image: object) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QImage

    assert isinstance(image, QImage)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):  # type: ignore[call-overload]  # the stub says bytes; PySide6 takes str
        raise SystemExit("PNG encoding failed")
    buffer.close()
    return bytes(data.data())


def bmp_entry(image: object) -> bytes:
    """One .ico image as a 32-bit DIB: BITMAPINFOHEADER, bottom-up BGRA rows, an empty AND mask."""
    from PySide6.QtGui import QImage

    assert isinstance(image, QImage)
    width, height = image.width(), image.height()
    row = width * 4
    pixels = bytes(image.constBits())[: row * height]  # ARGB32 is B, G, R, A in memory (little-endian)
    if image.bytesPerLine() != row:
        raise SystemExit("unexpected QImage stride")
    bottom_up = b"".join(pixels[y * row:(y + 1) * row] for y in reversed(range(height)))
    mask = bytes(((width + 31) // 32) * 4 * height)
    header = struct.pack("<IiiHHIIiiII", 40, width, height * 2, 1, 32, 0, len(bottom_up) + len(mask),
                         0, 0, 0, 0)
    return header + bottom_up + mask


def write_ico(path: Path, images: dict[int, object]) -> None:
    """A multi-size .ico: BMP entries below 256 px, PNG for 256 px."""
    entries = [(size, png_bytes(img) if size >= 256 else bmp_entry(img))
               for size, img in sorted(images.items())]
    out = bytearray(struct.pack("<HHH", 0, 1, len(entries)))
    offset = 6 + 16 * len(entries)
    for size, blob in entries:
        dim = 0 if size >= 256 else size
        out += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
    for _size, blob in entries:
        out += blob
    path.write_bytes(bytes(out))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iconset", metavar="DIR",
                        help="write only a macOS .iconset folder for iconutil (resources/ is left alone)")
    args = parser.parse_args(argv)

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    svg = resource_path(APP_ICON_SVG)
    if args.iconset:
        folder = Path(args.iconset)
        folder.mkdir(parents=True, exist_ok=True)
        for name, pixels in ICONSET:
            (folder / name).write_bytes(png_bytes(render(svg, pixels)))
        print(f"wrote {folder} ({len(ICONSET)} images)")
        return 0
    for size in ICON_SIZES:
        target = resource_path(icon_png(size))
        target.write_bytes(png_bytes(render(svg, size)))
        print(f"wrote {target.relative_to(REPO)}")
    ico = resource_path(APP_ICON_ICO)
    write_ico(ico, {size: render(svg, size) for size in ICO_SIZES})
    print(f"wrote {ico.relative_to(REPO)} ({', '.join(map(str, ICO_SIZES))} px)")
    assert app is not None
    return 0


if __name__ == "__main__":
    sys.exit(main())
