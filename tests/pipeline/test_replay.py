"""python -m pipeline.replay: a recording's gaze through its chain over its content, to an MP4 whose frames and
duration match the recording; the gaze moves the effect in the video."""
import json
import subprocess
import sys
from datetime import timedelta

import cv2
import numpy as np
import pytest

from tests.conftest import detail_frame, sharpness
from tests.store.conftest import make_store
from tests.support import ROOT

FPS = 15.0


@pytest.fixture
def recording(tmp_path):
    """A 2 s recording over a detailed still, foveated, the gaze left for 1 s then right for 1 s."""
    still = tmp_path / "detail.png"
    cv2.imwrite(str(still), cv2.cvtColor(detail_frame(320, 180), cv2.COLOR_RGBA2BGR))
    url = f"sqlite:///{tmp_path / 'replay.db'}"
    with make_store(url, tmp_path) as store:
        user = store["accounts"].register("alice", "correct horse battery")
        chain = [{"name": "foveate", "enabled": True, "params": {"radius": 0.08, "strength": 5.0}}]
        rec = store["recorder"].begin(user.id, channel="main", source=str(still), size=[320, 180], fps=FPS,
                                      chain=chain, filter={})
        t0 = rec.started_at.timestamp()
        for i in range(60):  # 30 Hz samples
            x = 0.2 if i < 30 else 0.8
            store["recorder"].add(rec.id, {"x": x, "y": 0.5, "source": "mouse"}, (), t0 + i / 30)
        store["recorder"].stop(user.id, rec.id)
        with store["recorder"].db.session() as s:  # a recording of exactly 2 s (stop came at once here)
            from store.recording import Recording

            row = s.get(Recording, rec.id)
            row.ended_at = row.started_at + timedelta(seconds=2)
    return url, rec.id


def probe(path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v", "-show_entries",
                          "stream=codec_name,nb_read_frames,width,height:format=duration", "-of", "json", str(path)],
                         capture_output=True, text=True, check=True, timeout=60)
    return json.loads(out.stdout)


def test_replay_writes_an_h264_mp4_whose_frames_and_duration_match(recording, tmp_path):
    url, rec_id = recording
    out = tmp_path / "replay.mp4"
    run = subprocess.run([sys.executable, "-m", "pipeline.replay", rec_id, "--out", str(out), "--database-url", url],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "30/30" in run.stderr  # tqdm's bar went to the end
    info = probe(out)
    stream = info["streams"][0]
    assert stream["codec_name"] == "h264" and (stream["width"], stream["height"]) == (320, 180)
    assert int(stream["nb_read_frames"]) == 30  # 2 s at 15 fps
    assert float(info["format"]["duration"]) == pytest.approx(2.0, abs=1 / FPS)
    cap = cv2.VideoCapture(str(out))
    frames = [cap.read()[1] for _ in range(30)]
    cap.release()
    early, late = frames[7], frames[22]  # 0.47 s: gaze left; 1.47 s: gaze right
    assert sharpness(early, 0.2, 0.5) > 2 * sharpness(early, 0.8, 0.5)
    assert sharpness(late, 0.8, 0.5) > 2 * sharpness(late, 0.2, 0.5)


def test_an_unknown_recording_is_one_clear_line(recording, tmp_path):
    url, _ = recording
    run = subprocess.run([sys.executable, "-m", "pipeline.replay", "nope", "--out", str(tmp_path / "x.mp4"),
                          "--database-url", url], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and run.stderr.strip() == "replay: no such recording"
