"""Per-connection rate limits and the size checks of images, each refusal a RequestError with its code."""
from __future__ import annotations

import time

from .errors import RequestError
from .jpeghead import jpeg_dimensions


class TokenBucket:
    """Allow `rate` events per second on average and bursts of up to `burst` (default: one second's worth)."""

    def __init__(self, rate: float, burst: float | None = None, clock=time.monotonic):
        self.rate, self.burst, self.clock = float(rate), float(burst if burst is not None else max(rate, 1.0)), clock
        self.tokens, self.stamp = self.burst, clock()

    def take(self) -> bool:
        """Spend one token if there is one; return whether the event may go ahead."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


def check_rate(bucket: TokenBucket, what: str) -> None:
    """Refuse an event over its rate with rate_limited."""
    if not bucket.take():
        raise RequestError("rate_limited", f"too many {what} events: at most {bucket.rate:g} per second")


def check_frame_image(jpeg: bytes, max_pixels: int) -> tuple[int, int]:
    """Return a webcam JPEG's (width, height) read from its header; refuse a broken header with bad_image
    and more than max_pixels decoded pixels with image_too_large, before anything decodes it."""
    try:
        width, height = jpeg_dimensions(jpeg)
    except ValueError as exc:
        raise RequestError("bad_image", str(exc)) from None
    if width * height > max_pixels:
        raise RequestError("image_too_large", f"a frame may have at most {max_pixels} pixels, "
                                              f"its header says {width}x{height}")
    return width, height


def check_output_size(size, max_pixels: int) -> tuple[int, int]:
    """Validate a channel size a client asks for: [w, h], even, 64x64 to 3840x2160, at most max_pixels."""
    ok = (isinstance(size, list) and len(size) == 2
          and all(isinstance(v, int) and not isinstance(v, bool) for v in size))
    if not ok or not (64 <= size[0] <= 3840 and 64 <= size[1] <= 2160) or size[0] % 2 or size[1] % 2:
        raise RequestError("bad_size", "size must be [width, height], even, 64x64 to 3840x2160")
    if size[0] * size[1] > max_pixels:
        raise RequestError("size_too_large", f"this server renders at most {max_pixels} pixels a frame, "
                                             f"{size[0]}x{size[1]} has {size[0] * size[1]}")
    return size[0], size[1]
