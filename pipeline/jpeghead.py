"""Read a JPEG's width and height from its frame header (SOF marker), without decoding anything.

A 629-byte JPEG may declare 65000x65000 pixels and take gigabytes to decode: the size is checked here,
in microseconds, before a decoder sees the bytes.
"""
from __future__ import annotations

# start-of-frame markers: baseline, extended, progressive, lossless, hierarchical, arithmetic
# (0xC4 DHT, 0xC8 JPG and 0xCC DAC share the range and are not frame headers)
SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
STANDALONE = frozenset([0x01, *range(0xD0, 0xD8)])  # TEM, RST0-7: markers without a length


def jpeg_dimensions(data: bytes) -> tuple[int, int]:
    """Return (width, height) from the first frame header; ValueError if there is none before the scan."""
    view = memoryview(data)
    n = len(view)
    if n < 4 or view[0] != 0xFF or view[1] != 0xD8:
        raise ValueError("not a JPEG: no start-of-image marker")
    i = 2
    while i < n:
        if view[i] != 0xFF:
            raise ValueError(f"not a JPEG: no marker at byte {i}")
        while i < n and view[i] == 0xFF:  # fill bytes
            i += 1
        if i >= n:
            break
        marker = view[i]
        i += 1
        if marker in STANDALONE:
            continue
        if marker in (0xD8, 0xD9, 0xDA):
            raise ValueError("not a JPEG: no frame header before the image data")
        if i + 2 > n:
            break
        length = view[i] << 8 | view[i + 1]
        if length < 2:
            raise ValueError(f"not a JPEG: a segment of length {length}")
        if marker in SOF_MARKERS:
            if length < 8 or i + 7 > n:
                break
            height, width = view[i + 3] << 8 | view[i + 4], view[i + 5] << 8 | view[i + 6]
            if not width or not height:
                raise ValueError(f"not a decodable JPEG: its header says {width}x{height}")
            return width, height
        i += length
    raise ValueError("not a JPEG: it ends before its frame header")
