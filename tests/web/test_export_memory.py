"""A one-hour recording at 30 Hz exports as a stream: the server never holds it all in memory."""
import tracemalloc

import pytest

from tests.web.users import register

HOUR_AT_30HZ = 108_000


@pytest.fixture
def hour(app, client):
    """A recording of 108,000 camera-like samples, written by the recorder, owned by the logged-in user."""
    register(client, "alice")
    services = app.extensions["gazecast.store"]
    user = services["accounts"].authenticate("alice", "correct horse battery")
    recorder = services["recorder"]
    rec = recorder.begin(user.id, channel="main", source="demo", size=[320, 180], fps=30.0, chain=[], filter={})
    t0 = rec.started_at.timestamp()
    for i in range(HOUR_AT_30HZ):
        recorder.add(rec.id, {"x": (i % 997) / 997, "y": (i % 991) / 991, "t": i / 30, "yaw": 1.5, "pitch": -2.0,
                              "pupil_mm": 4.2, "openness": 0.9, "confidence": 0.95, "source": "cnn"}, (), t0 + i / 30)
        if i % 10_000 == 0:
            recorder.flush()  # an hour arrives here in seconds: write as it comes, as the worker would over the hour
    assert recorder.stop(user.id, rec.id)["samples"] == HOUR_AT_30HZ
    return rec.id


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_hour_exports_with_little_memory(client, hour, fmt):
    tracemalloc.start()
    try:
        response = client.get(f"/api/recordings/{hour}/samples?format={fmt}", buffered=False)
        size, lines, last = 0, 0, b""
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        for chunk in response.response:
            data = chunk.encode() if isinstance(chunk, str) else chunk
            size += len(data)
            lines += data.count(b"\n")
            last = (last + data)[-300:]
        _, peak = tracemalloc.get_traced_memory()
        response.close()
    finally:
        tracemalloc.stop()
    print(f"{fmt}: {size / 1e6:.1f} MB exported, peak {(peak - base) / 1e6:.2f} MB above the start")
    assert lines >= HOUR_AT_30HZ and size > 8_000_000
    assert f"{HOUR_AT_30HZ - 1}".encode() in last  # the last sample is there
    assert peak - base < 0.8 * size, f"the export held {(peak - base) / 1e6:.1f} MB while streaming {size / 1e6:.1f} MB"
