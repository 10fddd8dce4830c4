"""Write pictures of the training data: `python -m gaze.synth.preview docs/`.

    synth_families.png   normalised pairs of each family (rows: patch, ray, photo), as the network sees them
    synth_webcam.png     webcam frames of the held-out photograph: eyes repainted, head turned, a blink
"""
from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from ..geometry import angles_to_vector
from .pairs import FAMILIES, make_pairs, person_ray
from .photos import Placement, composite_frame, find_face, place


def family_grid(per_row: int = 6, zoom: int = 2) -> np.ndarray:
    """Return rows of pairs, one row per family, labelled."""
    rows = []
    for k, family in enumerate(FAMILIES):
        p = make_pairs(per_row, family, [7, k])
        tiles = [np.hstack([p.images[i, 0], np.full((36, 2), 255, np.uint8), p.images[i, 1]]) for i in range(per_row)]
        row = np.hstack([np.pad(t, ((2, 2), (2, 2)), constant_values=255) for t in tiles])
        row = cv2.resize(row, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_NEAREST)
        label = np.full((row.shape[0], 90), 255, np.uint8)
        cv2.putText(label, family, (6, row.shape[0] // 2 + 6), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 0, 1, cv2.LINE_AA)
        rows.append(np.hstack([label, row]))
    return np.vstack(rows)


def webcam_strip() -> np.ndarray:
    """Return four held-out webcam frames side by side (looking right, left, turned head, blink)."""
    rng = np.random.default_rng(5)
    person = person_ray(rng)
    shots = [(Placement(ipd_px=90), (20, -5), 1.0), (Placement(ipd_px=90), (-20, -10), 1.0),
             (Placement(ipd_px=80, turn=35, roll=6), (0, -5), 1.0), (Placement(ipd_px=90), (0, 0), 0.0)]
    out = []
    for pl, (yaw, pitch), openness in shots:
        face = find_face(place("astronaut", pl))
        g = angles_to_vector(yaw, pitch)
        frame = composite_frame(face, [g, g], 0.35, (openness, openness), person, rng)
        out.append(cv2.resize(frame[40:400, 140:500], (270, 270), interpolation=cv2.INTER_AREA))
    return np.hstack(out)


def main(argv=None) -> None:
    """Write the pictures into a folder."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", nargs="?", default="docs")
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out / "synth_families.png"), family_grid())
    cv2.imwrite(str(out / "synth_webcam.jpg"), webcam_strip(), [cv2.IMWRITE_JPEG_QUALITY, 85])


if __name__ == "__main__":
    main()
