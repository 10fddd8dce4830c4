"""Landmark indices of the 478-point face mesh and a generic 3-D face for head pose.

The 3-D points (millimetres, head frame: x image right, y down, z away from the camera, origin midway
between the eyes, the eye centres 63 mm apart) are the mean of the face mesh's own depth estimates on
frontal faces (two photographs and three rendered faces), roll removed, scaled to 63 mm between the
eye centres and made left-right symmetric. Only points that move little with expression are kept.
"""
from __future__ import annotations

import numpy as np

# image-left eye (the subject's right eye) first, then the image-right eye
EYE_CORNERS = ((33, 133), (263, 362))  # (outer, inner)
UPPER_LID = ((246, 161, 160, 159, 158, 157, 173), (466, 388, 387, 386, 385, 384, 398))
LOWER_LID = ((7, 163, 144, 145, 153, 154, 155), (249, 390, 373, 374, 380, 381, 382))
IRIS = ((468, 469, 470, 471, 472), (473, 474, 475, 476, 477))  # centre first, then the rim
LID_MID = ((159, 145), (386, 374))  # upper and lower lid above and below the eye's middle

MODEL_MM = {
    33: (-45.8, -1.3, 2.5), 133: (-17.2, 1.3, -2.5), 263: (45.8, -1.3, 2.5), 362: (17.2, 1.3, -2.5),
    1: (0.0, 38.9, -41.6), 4: (0.0, 32.4, -43.8), 2: (0.0, 44.8, -25.3), 6: (0.0, 2.8, -24.7),
    168: (0.0, -4.6, -20.1), 10: (0.0, -49.3, -15.1), 152: (0.0, 116.0, -0.6),
    98: (-18.2, 42.8, -17.1), 327: (18.2, 42.8, -17.1), 105: (-41.9, -22.0, -12.2), 334: (41.9, -22.0, -12.2),
    70: (-58.2, -14.0, 3.1), 300: (58.2, -14.0, 3.1), 61: (-26.9, 66.8, -4.0), 291: (26.9, 66.8, -4.0),
}
POSE_IDS = tuple(MODEL_MM)
POSE_POINTS = np.array([MODEL_MM[i] for i in POSE_IDS], np.float64)
# the eye centres of the normalisation: midway between each eye's corners
EYE_CENTRES_MM = np.array([(np.add(MODEL_MM[a], MODEL_MM[b]) / 2) for a, b in EYE_CORNERS])
IRIS_MM = 11.7  # the iris diameter: the ruler for pupil size
