"""Real-world XSS payloads (tests/data, see its README) packed into case fields."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"


def payloads() -> list[str]:
    """Every payload line (duplicates removed, order kept)."""
    lines = (DATA / "xss-payloads.txt").read_text(encoding="utf-8").splitlines()
    return list(dict.fromkeys(line for line in lines if line.strip()))


def markdown_payloads() -> str:
    """The Markdown-specific vectors as one Markdown text."""
    return (DATA / "xss-payloads-markdown.txt").read_text(encoding="utf-8")


def pack(items: list[str], limit: int, sep: str = " ") -> list[str]:
    """Greedily join items into chunks of at most ``limit`` characters (longer items alone,
    cut to the limit)."""
    chunks: list[str] = []
    current = ""
    for item in items:
        item = item.strip()[:limit]
        candidate = f"{current}{sep}{item}" if current else item
        if len(candidate) <= limit:
            current = candidate
        else:
            chunks.append(current)
            current = item
    if current:
        chunks.append(current)
    return chunks


def cycle(chunks: list[str], count: int) -> list[str]:
    """Repeat chunks so there are exactly ``count`` (each chunk used at least once)."""
    return [chunks[i % len(chunks)] for i in range(max(count, len(chunks)))][:max(count, len(chunks))]
