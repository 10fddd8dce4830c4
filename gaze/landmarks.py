"""Face, eye-contour and iris landmarks from MediaPipe's face mesh, tracked between frames.

The models (BlazeFace detection, the 468-point face mesh with attention / iris refinement) were
trained on real faces and ship inside the mediapipe wheel; they run offline on the CPU (XNNPACK).
In tracking mode the mesh follows the face from the previous frame's landmarks and the detector runs
again only when tracking is lost, so a steady face costs a few milliseconds per 640x480 frame.
"""
from __future__ import annotations

import os
import threading
import warnings

import cv2
import numpy as np

os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's C++ start-up chatter; errors still print

# mediapipe 0.10.14 calls a protobuf API that protobuf 4.25 marks deprecated, once per process
warnings.filterwarnings("ignore", message=r"SymbolDatabase\.GetPrototype\(\) is deprecated")

_IMPORT_LOCK = threading.Lock()


def _face_mesh_class():
    """Import mediapipe's face mesh lazily (it loads TFLite and protobuf: ~0.5 s, once)."""
    with _IMPORT_LOCK:
        from mediapipe.python.solutions import face_mesh

        return face_mesh.FaceMesh


class FaceLandmarker:
    """Landmarks of the most prominent face in BGR frames: (478, 3) pixels, or None."""

    def __init__(self, tracking: bool = True, min_detection: float = 0.5, min_tracking: float = 0.5):
        self.tracking, self.thresholds = tracking, (min_detection, min_tracking)
        self.mesh = None
        self._open()
        self.found_last = False  # whether the previous frame had a face (then this one was tracked)

    def _open(self) -> None:
        """Build the MediaPipe graph."""
        detection, tracking = self.thresholds
        self.mesh = _face_mesh_class()(static_image_mode=not self.tracking, max_num_faces=1, refine_landmarks=True,
                                       min_detection_confidence=detection, min_tracking_confidence=tracking)

    def locate(self, frame_bgr: np.ndarray) -> np.ndarray | None:
        """Return the landmarks (x, y in pixels; z in pixels, negative towards the camera) or None."""
        h, w = frame_bgr.shape[:2]
        rgb = np.ascontiguousarray(cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB))
        rgb.flags.writeable = False
        result = self.mesh.process(rgb)
        faces = result.multi_face_landmarks
        self.found_last = bool(faces)
        if not faces:
            return None
        pts = np.array([(p.x, p.y, p.z) for p in faces[0].landmark], np.float64)
        pts *= (w, h, w)
        return pts

    def reset(self) -> None:
        """Forget the tracked face: the next frame runs the detector."""
        self.close()
        self._open()

    def close(self) -> None:
        """Release the graph's threads and buffers."""
        if self.mesh is not None:
            self.mesh.close()
            self.mesh = None

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass
