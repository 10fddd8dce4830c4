"""The eye CNN: self-describing checkpoints and the committed weights' accuracy."""
from pathlib import Path

import numpy as np
import torch

from gaze.evaluate import angular_error, predict
from gaze.model import EyeNet, ModelArgs, load_checkpoint, save_checkpoint, standardise
from gaze.synth import make_batch

WEIGHTS = Path(__file__).resolve().parents[2] / "models" / "gaze_cnn.pt"


def test_checkpoint_rebuilds_model_from_file_alone(tmp_path):
    torch.manual_seed(0)
    model = EyeNet(ModelArgs(width=4, hidden=8)).eval()
    save_checkpoint(tmp_path / "m.pt", model, {"note": "test"})
    back, meta = load_checkpoint(tmp_path / "m.pt")
    x = standardise(make_batch(3, seed=1).images)
    with torch.inference_mode():
        assert torch.allclose(model(x), back(x))
    assert meta == {"note": "test"} and back.args.width == 4


def test_head_input_is_used_when_configured():
    model = EyeNet(ModelArgs(width=4, hidden=8, head_dim=3)).eval()
    x = torch.zeros(2, 1, 36, 60)
    with torch.inference_mode():
        a = model(x, torch.zeros(2, 3))
        b = model(x, torch.ones(2, 3))
    assert not torch.allclose(a, b)


def test_committed_weights_are_small_and_accurate():
    assert WEIGHTS.stat().st_size < 3_000_000
    model, meta = load_checkpoint(WEIGHTS)
    assert meta["seed"] == 0
    b = make_batch(96, seed=[31337, 1])
    pred = predict(model, b.images)
    ok = b.openness > 0.5
    err = angular_error(pred[ok, 0], pred[ok, 1], b.yaw[ok], b.pitch[ok])
    assert err.mean() < 4.0
    assert np.abs(pred[ok, 2] - b.pupil_mm[ok]).mean() < 0.6
    assert np.abs(pred[:, 3] - b.openness).mean() < 0.1
