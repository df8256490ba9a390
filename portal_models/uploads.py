"""What an uploaded file's first bytes must be for its extension: one rule for every upload (customer documents,
case documents, ticket attachments), so that a file named ``.pdf`` is a PDF wherever it is accepted. Which
extensions and sizes each kind of upload allows, and what it tells the customer, stay with that upload."""

from __future__ import annotations

import zipfile

SNIFF_BYTES = 8192
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office (doc, xls, ppt)
OOXML_PARTS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
ZIP_HEADERS = (b"PK\x03\x04", b"PK\x05\x06")  # an archive with entries, or an empty one
TEXT_EXTENSIONS = {"txt", "csv", "log"}


def content_matches(extension: str, file) -> bool:
    """Whether ``file``'s content is what ``extension`` says (read from its start; left at its start)."""
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    try:
        return _matches(extension, head, file)
    finally:
        file.seek(0)


def _matches(extension: str, head: bytes, file) -> bool:
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in {"jpg", "jpeg"}:
        return head.startswith(b"\xff\xd8\xff")
    if extension == "gif":
        return head[:6] in {b"GIF87a", b"GIF89a"}
    if extension in {"doc", "xls", "ppt"}:
        return head.startswith(OLE)
    if extension in OOXML_PARTS:
        names = _zip_names(head, file)
        return (
            names is not None
            and "[Content_Types].xml" in names
            and any(n.startswith(OOXML_PARTS[extension]) for n in names)
        )
    if extension == "zip":
        return _zip_names(head, file) is not None
    if extension in TEXT_EXTENSIONS:
        return _text_like(head)
    return False


def _zip_names(head: bytes, file) -> list[str] | None:
    """The names in a zip archive, or None when it is not one."""
    if not head.startswith(ZIP_HEADERS):
        return None
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _text_like(head: bytes) -> bool:
    """UTF-8 text without NUL bytes (the sample may end inside a multi-byte character)."""
    if b"\x00" in head:
        return False
    for cut in range(4):
        try:
            (head[: len(head) - cut] if cut else head).decode("utf-8")
            return True
        except UnicodeDecodeError:
            continue
    return False
