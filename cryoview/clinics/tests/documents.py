"""Documents for the claim and credential tests: real magic numbers, and the things a client might pass off."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from cryoview.clinics.models import DOCUMENT_PREFIX
from cryoview.videos import storage

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
HTML = b"<!doctype html><script>alert(document.cookie)</script>"


def png() -> bytes:
    """A real 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def upload(
    content: bytes = PDF, name: str = "licence.pdf", content_type: str = "application/pdf"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_documents() -> list[str]:
    """Every document in the private store (local folders in these tests)."""
    return storage.private_store().files(DOCUMENT_PREFIX)


def scratch_documents() -> list[Path]:
    from django.conf import settings

    folder = Path(settings.SCRATCH_DIR) / "documents"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def clear_documents() -> None:
    storage.private_store().delete_tree(DOCUMENT_PREFIX)
