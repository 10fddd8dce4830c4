"""JPEG encoding of rendered frames with libjpeg-turbo (simplejpeg releases the GIL)."""
from __future__ import annotations

import numpy as np
import simplejpeg


class JpegEncoder:
    """Encode RGBA frames once; every viewer gets the same bytes."""

    def __init__(self, quality: int = 80):
        if not 1 <= int(quality) <= 100:
            raise ValueError(f"JPEG quality must be in 1..100, got {quality}")
        self.quality = int(quality)

    def encode(self, rgba: np.ndarray) -> bytes:
        """Return the JPEG bytes of an RGBA frame (4:2:0, fast DCT)."""
        return simplejpeg.encode_jpeg(rgba, quality=self.quality, colorspace="RGBA",
                                      colorsubsampling="420", fastdct=True)
