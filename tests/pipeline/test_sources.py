"""Content sources: demo, video files (looped, at their own rate), images, mirror; clear errors."""
import cv2
import numpy as np
import pytest

from pipeline.sources import MirrorSource, SourceError, open_source


def write_video(path, frames=10, fps=12.0, size=(160, 120)):
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    for i in range(frames):
        img = np.full((size[1], size[0], 3), 0, np.uint8)
        cv2.putText(img, str(i), (20, 80), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 3)
        img[:, :, 2] = i * 20  # red grows with the frame index
        out.write(img)
    out.release()


def test_the_demo_moves_and_has_fine_detail():
    src = open_source("demo", (320, 180))
    a, b = src.read().copy(), src.read().copy()
    assert a.shape == (180, 320, 4) and not np.array_equal(a, b)
    grey = cv2.cvtColor(a, cv2.COLOR_RGBA2GRAY).astype(np.float32)
    assert cv2.Laplacian(grey, cv2.CV_32F).var() > 100


def test_a_video_plays_at_its_own_rate_and_loops(tmp_path):
    path = tmp_path / "clip.avi"
    write_video(path)
    src = open_source(str(path), (320, 240))
    assert src.fps == pytest.approx(12.0)
    reds = [int(src.read()[5, 5, 0]) for _ in range(12)]
    assert reds[:10] == sorted(reds[:10]) and reds[10] < reds[9]  # frame 0 again after frame 9
    src.close()


def test_an_image_is_resized_and_shown_still(tmp_path):
    path = tmp_path / "still.png"
    cv2.imwrite(str(path), np.full((50, 80, 3), (0, 0, 255), np.uint8))
    frame = open_source(str(path), (160, 100)).read()
    assert frame.shape == (100, 160, 4) and tuple(frame[50, 80]) == (255, 0, 0, 255)


@pytest.mark.parametrize("content,message", [(None, "video file not found"), (b"not a video at all" * 100, "cannot open video"),
                                             (b"", "cannot open video")])
def test_missing_and_corrupt_videos_fail_clearly(tmp_path, content, message):
    path = tmp_path / "bad.mp4"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceError, match=message):
        open_source(str(path), (160, 120)).read()


def test_a_corrupt_image_fails_clearly(tmp_path):
    path = tmp_path / "bad.png"
    path.write_bytes(b"\x89PNG broken")
    with pytest.raises(SourceError, match="cannot read image"):
        open_source(str(path), (160, 120))


def test_a_missing_camera_fails_clearly():
    with pytest.raises(SourceError, match="cannot open camera 63"):
        open_source("camera:63", (160, 120))


def test_mirror_shows_the_newest_webcam_frame_flipped():
    src = MirrorSource((64, 48))
    waiting = src.read().copy()
    img = np.zeros((48, 64, 3), np.uint8)
    img[:, :16] = (255, 0, 0)  # blue on the left of the webcam image
    src.push(cv2.imencode(".jpg", img)[1].tobytes())
    frame = src.read()
    assert not np.array_equal(frame, waiting)
    assert frame[24, 60, 2] > 200 and frame[24, 4, 2] < 50  # blue (RGBA index 2) now on the right
