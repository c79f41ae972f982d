"""Trim the ICU data library that PySide6's Linux wheels ship (libicudata.so.NN, 32 MB).

QtCore links ICU, and ICU's data library carries the whole CLDR: locale display names,
currency and unit names, number spell-out rules, transliterators, the break-iterator
dictionaries (Chinese/Japanese, Khmer, Lao, Burmese, Thai)... Qt reaches only a small part
of it: the ICU functions libQt6Core imports (``nm -D --undefined-only libQt6Core.so.6 |
grep _73``) are the charset converters (``ucnv_*``), collation (``ucol_*``), the calendar
and time-zone names (``ucal_open``, ``ucal_getTimeZoneDisplayName``,
``ucal_getCanonicalTimeZoneID``) and case mapping (``u_strToUpper``, ``u_strToLower``), and
no other bundled library links ICU. :data:`UNREACHABLE` lists the data items none of those
can open; :func:`trim_icu_data` rewrites the library without them (about 16 MB less) and
keeps everything else byte for byte: every converter, every collation, every locale's
calendar, number and time-zone data.

The data library is one symbol, ``icudtNN_dat``: an ICU "common data" package (a header,
a table of contents of ``{name offset, data offset}`` pairs sorted by name, the names and
the 16-byte-aligned items). The trimmed package is assembled into a new shared object
with the same soname and symbol by the C compiler (``cc``; ``.incbin`` in an assembler
file, no C code). ``tests/packaging/test_frozen.py`` checks that collation, time-zone
names, converters and case mapping give the same answers with the trimmed library.

Run on its own to see what would go: ``python packaging/icu_data.py PATH/libicudata.so.73``.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

#: Data items no ICU entry point that Qt calls can reach (prefix after "icudtNNl/"), with why.
UNREACHABLE: dict[str, str] = {
    "brkitr/": "break iterators and their dictionaries (ubrk_*): Qt breaks text with its own tables",
    "translit/": "transliterators (utrans_*)",
    "rbnf/": "rule-based number formats, numbers spelled out (unum_* with UNUM_SPELLOUT)",
    "unit/": "measure-unit names (MeasureFormat, unumf_*)",
    "curr/": "currency names and symbols (ucurr_*, currency formats): Qt has its own from CLDR",
    "lang/": "language display names (uloc_getDisplayLanguage): Qt has its own (QLocale)",
    "region/": "territory display names (uloc_getDisplayCountry): Qt has its own (QLocale)",
    "unames.icu": "Unicode character names (u_charName)",
    "confusables.cfu": "spoof checker (uspoof_*)",
    "uts46.nrm": "IDNA (uidna_*): QUrl has its own IDNA code",
    ".spp": "StringPrep profiles (usprep_*, IDNA2003, XMPP, LDAP)",
}

_MAGIC = b"\xda\x27"


def _dat_symbol(elf: bytes) -> tuple[str, int, int]:
    """(name, file offset, size) of the ``icudtNN_dat`` symbol of a little-endian ELF64 file."""
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        raise ValueError("not a little-endian ELF64 file")
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", elf, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", elf, shoff + i * shentsize) for i in range(shnum)]
    for _name, kind, _flags, _addr, offset, size, link, _info, _align, entsize in sections:
        if kind != 11:  # SHT_DYNSYM
            continue
        strtab = sections[link][4]
        for pos in range(offset, offset + size, entsize):
            st_name, _st_info, _other, shndx, value, st_size = struct.unpack_from("<IBBHQQ", elf, pos)
            name = elf[strtab + st_name:elf.index(b"\0", strtab + st_name)].decode()
            if re.fullmatch(r"icudt\d+_dat", name):
                sec = sections[shndx]
                return name, value - sec[3] + sec[4], st_size
    raise ValueError("no icudtNN_dat symbol")


def read_package(package: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """(header, [(name, item bytes)]) of an ICU common data package."""
    header_size, = struct.unpack_from("<H", package, 0)
    if package[2:4] != _MAGIC or package[12:16] != b"CmnD" or package[16] != 1:
        raise ValueError("not an ICU common data package (CmnD, format 1)")
    count, = struct.unpack_from("<I", package, header_size)
    entries = [struct.unpack_from("<II", package, header_size + 4 + 8 * i) for i in range(count)]
    base = header_size
    items = []
    for i, (name_offset, data_offset) in enumerate(entries):
        name = package[base + name_offset:package.index(b"\0", base + name_offset)].decode("ascii")
        end = entries[i + 1][1] if i + 1 < count else len(package) - base
        items.append((name, package[base + data_offset:base + end]))
    return package[:header_size], items


def write_package(header: bytes, items: list[tuple[str, bytes]]) -> bytes:
    """The package of ``items`` (sorted by name, as ICU's binary search needs)."""
    assert len(header) % 16 == 0
    names = b"".join(name.encode("ascii") + b"\0" for name, _ in items)
    toc_size = 4 + 8 * len(items)
    offset = toc_size + len(names)
    offset += -(len(header) + offset) % 16  # items 16-byte aligned, like icupkg writes them
    table, name_offset, blobs = [], toc_size, []
    for name, blob in items:
        table.append(struct.pack("<II", name_offset, offset))
        name_offset += len(name) + 1
        pad = -len(blob) % 16
        blobs.append(blob + b"\0" * pad)
        offset += len(blob) + pad
    body = struct.pack("<I", len(items)) + b"".join(table) + names
    body += b"\0" * (-(len(header) + len(body)) % 16)
    return header + body + b"".join(blobs)


def unreachable(name: str) -> bool:
    tail = name.split("/", 1)[1]
    return any(tail.startswith(rule) if rule.endswith("/") else
               (tail.endswith(rule) if rule.startswith(".") else tail == rule) for rule in UNREACHABLE)


def _soname(elf_path: Path) -> str:
    out = subprocess.run(["readelf", "-d", str(elf_path)], capture_output=True, text=True, check=False).stdout
    match = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", out)
    return match.group(1) if match else elf_path.name


def trim_icu_data(source: str | os.PathLike[str], out_dir: str | os.PathLike[str]) -> tuple[Path, int, int]:
    """Write the trimmed library to ``out_dir`` (same file name); (path, items kept, items dropped)."""
    source, out_dir = Path(source), Path(out_dir)
    elf = source.read_bytes()
    symbol, offset, size = _dat_symbol(elf)
    header, items = read_package(elf[offset:offset + size])
    kept = [(name, blob) for name, blob in items if not unreachable(name)]
    out_dir.mkdir(parents=True, exist_ok=True)
    dat = out_dir / f"{symbol}.dat"
    dat.write_bytes(write_package(header, kept))
    asm = out_dir / f"{symbol}.s"
    asm.write_text(f'\t.section .rodata\n\t.balign 16\n\t.globl {symbol}\n\t.type {symbol}, @object\n'
                   f'{symbol}:\n\t.incbin "{dat.name}"\n\t.size {symbol}, . - {symbol}\n'
                   '\t.section .note.GNU-stack,"",@progbits\n', encoding="ascii")
    target = out_dir / source.name
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise RuntimeError("no C compiler (cc) to assemble the trimmed ICU data library")
    subprocess.run([cc, "-shared", "-nostdlib", "-Wl,-soname," + _soname(source), "-Wl,-z,noexecstack",
                    "-o", str(target), asm.name], cwd=out_dir, check=True)
    # the new library must hold exactly the package written (same symbol, same bytes)
    new = target.read_bytes()
    _name, new_offset, new_size = _dat_symbol(new)
    if new[new_offset:new_offset + new_size] != dat.read_bytes():
        raise RuntimeError(f"{target}: the assembled ICU data differs from {dat}")
    return target, len(kept), len(items) - len(kept)


if __name__ == "__main__":
    lib = Path(sys.argv[1])
    _sym, off, length = _dat_symbol(lib.read_bytes())
    _hdr, all_items = read_package(lib.read_bytes()[off:off + length])
    gone = [(n, len(b)) for n, b in all_items if unreachable(n)]
    print(f"{len(gone)} of {len(all_items)} items, {sum(s for _, s in gone) / 1e6:.1f} MB of "
          f"{length / 1e6:.1f} MB unreachable from Qt")
