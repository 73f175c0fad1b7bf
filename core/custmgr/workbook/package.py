"""A workbook file as an OPC package: named parts (zip entries), their relationships and content types.

The sync owns a few parts of a workbook; everything else must come out exactly as it went in. So this module
never parses a part it is not asked about, and :func:`write_package` copies every part it was not given new
content for as its original compressed bytes (no inflate, no deflate): byte for byte, and fast.
"""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import BinaryIO
from xml.sax.saxutils import quoteattr

from defusedxml import ElementTree

from ..errors import WorkbookError

CT_PART = "[Content_Types].xml"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
TABLE_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
STYLES_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"


@dataclass(frozen=True)
class Flavour:
    """The namespaces a workbook package names its parts and relationships in. ECMA-376 Part 1 has two:
    *transitional* (what "Excel Workbook" saves) and *Strict* ("Strict Open XML Spreadsheet"). A part of one
    flavour in a package of the other makes a mix Excel reports as damaged, so every part the port writes or adds
    follows the package's own. Content types, and the namespaces of the packaging itself (``.rels`` parts,
    ``[Content_Types].xml``, core properties), are the same in both."""

    name: str
    strict: bool
    #: SpreadsheetML: worksheets, tables, styles, workbook.xml.
    main: str
    #: The ``r:id`` attributes of markup; a relationship type is this plus ``/worksheet``, ``/table``, ...
    relationships: str
    #: The relationship type of ``docProps/app.xml`` (the one type not spelled alike in both).
    extended_properties: str

    def rel(self, kind: str) -> str:
        """The relationship type of ``kind`` (``worksheet``, ``table``, ``styles``, ``calcChain``)."""
        return f"{self.relationships}/{kind}"


TRANSITIONAL = Flavour("transitional", False, "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                       "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                       "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties")
STRICT = Flavour("strict", True, "http://purl.oclc.org/ooxml/spreadsheetml/main",
                 "http://purl.oclc.org/ooxml/officeDocument/relationships",
                 "http://purl.oclc.org/ooxml/officeDocument/relationships/extendedProperties")
FLAVOURS = (TRANSITIONAL, STRICT)
OFFICE_DOCUMENT = TRANSITIONAL.rel("officeDocument")
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_DATA_DESCRIPTOR = 0x08
_ENCRYPTED = 0x01
#: Parts this size or larger (a sheet of a few hundred contacts and up) are deflated at the fastest level: about
#: a tenth larger, written several times faster (a 100,000-row sheet is tens of megabytes of XML).
_BIG_PART = 1 << 16
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Relationship:
    id: str
    type: str
    target: str  # as written (relative to the source part's folder), or an absolute URI if external
    external: bool = False


def rels_part(part: str) -> str:
    """The relationships part of ``part`` (``xl/workbook.xml`` -> ``xl/_rels/workbook.xml.rels``)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def resolve(source: str, target: str) -> str:
    """The part name a relationship target of ``source`` points at."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def relative(source: str, part: str) -> str:
    """``part`` as a target relative to ``source``'s folder."""
    return posixpath.relpath(part, posixpath.dirname(source) or ".")


def parse_rels(data: bytes) -> list[Relationship]:
    root = ElementTree.fromstring(data)
    out = []
    for el in root.iter(f"{{{REL_NS}}}Relationship"):
        out.append(Relationship(el.get("Id", ""), el.get("Type", ""), el.get("Target", ""),
                                el.get("TargetMode") == "External"))
    return out


def rels_xml(rels: Iterable[Relationship]) -> bytes:
    items = []
    for r in rels:
        mode = ' TargetMode="External"' if r.external else ""
        items.append(f"<Relationship Id={quoteattr(r.id)} Type={quoteattr(r.type)} "
                     f"Target={quoteattr(r.target)}{mode}/>")
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{REL_NS}">'
            + "".join(items) + "</Relationships>").encode()


def flavour_of(book_rels: Iterable[Relationship], book_xml: bytes) -> Flavour:
    """The flavour a workbook (its part's relationships and XML) is saved in."""
    if any(r.type.startswith(STRICT.relationships + "/") for r in book_rels) or \
            f'"{STRICT.main}"'.encode() in book_xml[:4096]:
        return STRICT
    return TRANSITIONAL


def rel_kind(rel_type: str) -> str | None:
    """``table`` for the table relationship type of either flavour (and so on); None for other types."""
    for flavour in FLAVOURS:
        if rel_type.startswith(flavour.relationships + "/"):
            return rel_type[len(flavour.relationships) + 1:]
    return None


def next_rel_id(rels: Iterable[Relationship]) -> str:
    used = {r.id for r in rels}
    n = len(used) + 1
    while f"rId{n}" in used:
        n += 1
    return f"rId{n}"


def add_override(content_types: bytes, part: str, content_type: str) -> bytes:
    """``[Content_Types].xml`` with an Override for ``part`` (replacing any there was)."""
    content_types = remove_override(content_types, part)
    entry = f'<Override PartName="/{part}" ContentType="{content_type}"/>'.encode()
    end = content_types.rindex(b"</Types>")
    return content_types[:end] + entry + content_types[end:]


def remove_override(content_types: bytes, part: str) -> bytes:
    pattern = rb'<Override\s[^>]*?PartName\s*=\s*"/' + re.escape(part.encode()) + rb'"[^>]*/>'
    return re.sub(pattern, b"", content_types, flags=re.IGNORECASE)


class Package:
    """The parts of a workbook file, read on demand; the zip stays open until :meth:`close`."""

    def __init__(self, fileobj: BinaryIO, label: str) -> None:
        self.label = label
        self._file = fileobj
        try:
            self.zip = zipfile.ZipFile(fileobj)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            fileobj.close()
            raise WorkbookError(f"{label} is not a valid Excel workbook (damaged zip: {exc}). Open it in Excel "
                                "and save it again, or restore a backup.") from exc
        self.infos: dict[str, zipfile.ZipInfo] = {}
        for info in self.zip.infolist():
            if info.flag_bits & _ENCRYPTED:
                self.close()
                raise WorkbookError(f"{label} is encrypted; remove its password in Excel and try again.")
            self.infos[info.filename] = info
        self._folded = {name.casefold(): name for name in self.infos}  # OPC part names ignore case

    @property
    def closed(self) -> bool:
        return self._file.closed

    def close(self) -> None:
        self.zip.close()
        self._file.close()

    def name(self, part: str) -> str | None:
        """The stored spelling of ``part`` (part names ignore case), or None if the package has no such part."""
        return part if part in self.infos else self._folded.get(part.casefold())

    def read(self, part: str) -> bytes:
        stored = self.name(part)
        if stored is None:
            raise WorkbookError(f"{self.label} has no part {part}; it is damaged. Open it in Excel and save it "
                                "again, or restore a backup.")
        try:
            return self.zip.read(stored)
        except (zipfile.BadZipFile, zlib_error(), OSError, EOFError) as exc:
            raise WorkbookError(f"{self.label}: the part {part} cannot be read ({exc}); the file is damaged. "
                                "Open it in Excel and save it again, or restore a backup.") from exc

    def rels(self, part: str) -> list[Relationship]:
        name = self.name(rels_part(part))
        return parse_rels(self.read(name)) if name else []

    def main_part(self) -> str:
        """The workbook part named by the package's own relationships (``xl/workbook.xml`` as a rule)."""
        for rel in self.rels(""):
            if rel.type == OFFICE_DOCUMENT or rel.type.endswith("/officeDocument"):
                return resolve("", rel.target)
        raise WorkbookError(f"{self.label} is a zip file but not an Excel workbook (it has no workbook part). "
                            "Open it in Excel and save it as an Excel Workbook (*.xlsx).")

    def raw(self, part: str) -> tuple[zipfile.ZipInfo, bytes]:
        """A part's zip entry and its compressed bytes, exactly as stored."""
        info = self.infos[part]
        fp = self.zip.fp
        assert fp is not None
        fp.seek(info.header_offset)
        header = _LOCAL_HEADER.unpack(fp.read(_LOCAL_HEADER.size))
        name_len, extra_len = header[9], header[10]
        fp.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
        return info, fp.read(info.compress_size)


def zlib_error() -> type[Exception]:
    import zlib

    return zlib.error


@dataclass(frozen=True)
class Stream:
    """New content for a part, made piece by piece as it is written, so a large sheet is never held whole.
    ``pieces`` may be called twice: a part that turns out larger than ``size_hint`` promised, past what a zip
    entry without the zip64 extension can hold, is written again with it."""

    pieces: Callable[[], Iterable[bytes | memoryview]]
    size_hint: int = 0  # the expected size: picks the deflate level and, past 2 GB, zip64 from the start


#: New content for a part: its bytes, or a :class:`Stream` of them.
NewPart = bytes | Stream


def write_package(out: BinaryIO, source: Package | None, order: Iterable[str], new: Mapping[str, NewPart]) -> None:
    """Write the parts named in ``order``: new content from ``new``, every other part copied from ``source``
    as its stored compressed bytes."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for part in order:
            data = new.get(part)
            if data is None:
                assert source is not None
                _copy_raw(archive, *source.raw(part))
            elif isinstance(data, bytes):
                _write_entry(archive, part, [data], len(data))
            else:
                _write_stream(archive, part, data, out)
    if out.seekable():
        out.truncate()  # nothing after the directory, whatever a retried entry left


def _write_entry(archive: zipfile.ZipFile, part: str, pieces: Iterable[bytes | memoryview], size: int,
                 zip64: bool = False) -> None:
    """One deflated entry; ``size`` (exact or expected) picks the level and tells zipfile whether zip64 is
    needed (zipfile refuses, after writing, an entry that outgrew its guess)."""
    info = zipfile.ZipInfo(part, _FIXED_TIME)
    info.external_attr = 0o600 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    info.file_size = size
    info._compresslevel = 1 if size >= _BIG_PART else 6  # type: ignore[attr-defined]
    with archive.open(info, "w", force_zip64=zip64) as dest:
        for piece in pieces:
            dest.write(piece)


def _write_stream(archive: zipfile.ZipFile, part: str, stream: Stream, out: BinaryIO) -> None:
    """A streamed entry, written again with zip64 if it outgrew its hint past 2 GB (never a corrupt entry)."""
    try:
        _write_entry(archive, part, stream.pieces(), stream.size_hint)
    except RuntimeError as exc:  # larger than a zip entry without zip64 holds: nothing of it was recorded
        if "too large" not in str(exc):
            raise
        if not out.seekable():
            raise WorkbookError(f"the part {part} is too large to be written without zip64 to this output.") \
                from exc
        # zipfile starts the next entry where this one started (its directory never saw it): write it again
        _write_entry(archive, part, stream.pieces(), stream.size_hint, zip64=True)


def _copy_raw(archive: zipfile.ZipFile, old: zipfile.ZipInfo, payload: bytes) -> None:
    """Append an entry whose compressed bytes are copied verbatim (zipfile has no public way to do this)."""
    info = zipfile.ZipInfo(old.filename, old.date_time)
    info.compress_type = old.compress_type
    info.flag_bits = old.flag_bits & ~_DATA_DESCRIPTOR  # sizes and CRC go in the local header instead
    info.external_attr = old.external_attr
    info.create_system = old.create_system
    info.CRC, info.compress_size, info.file_size = old.CRC, old.compress_size, old.file_size
    fp = archive.fp
    assert fp is not None
    info.header_offset = fp.tell()
    fp.write(info.FileHeader(zip64=info.file_size > zipfile.ZIP64_LIMIT
                             or info.compress_size > zipfile.ZIP64_LIMIT))
    fp.write(payload)
    archive.filelist.append(info)
    archive.NameToInfo[info.filename] = info
    archive.start_dir = fp.tell()
    archive._didModify = True  # so close() writes the central directory
