"""The two-eye CNN: self-describing checkpoints, both inputs used, the mirror augmentation."""
import numpy as np
import torch

from gaze.model import GazeNet, ModelArgs, load_checkpoint, save_checkpoint, standardise
from gaze.train import labels_of, mirror_swap
from gaze.synth.pairs import make_pairs
from gaze.model import scale_targets


def test_checkpoint_rebuilds_model_from_file_alone(tmp_path):
    torch.manual_seed(0)
    model = GazeNet(ModelArgs(width=4, features=8, hidden=8)).eval()
    save_checkpoint(tmp_path / "m.pt", model, {"note": "test"})
    back, meta = load_checkpoint(tmp_path / "m.pt")
    p = make_pairs(3, "patch", 1)
    x, h = standardise(p.images), torch.from_numpy(p.head)
    with torch.inference_mode():
        assert torch.allclose(model(x, h), back(x, h))
    assert meta == {"note": "test"} and back.args.width == 4


def test_the_head_pose_and_the_other_eye_are_inputs():
    model = GazeNet(ModelArgs(width=4, features=8, hidden=8)).eval()
    x = torch.randn(2, 2, 1, 36, 60)
    with torch.inference_mode():
        a = model(x, torch.zeros(2, 2, 2))
        b = model(x, torch.ones(2, 2, 2))
        x2 = x.clone()
        x2[:, 1] = 0
        c = model(x2, torch.zeros(2, 2, 2))
    assert not torch.allclose(a, b)
    assert not torch.allclose(a[:, 0:2], c[:, 0:2])  # eye 0's answer depends on eye 1's patch too


def test_mirror_swap_is_its_own_inverse_and_flips_yaw():
    p = make_pairs(4, "ray", 2)
    x, h, y = standardise(p.images), torch.from_numpy(p.head), scale_targets(labels_of(p))
    x2, h2, y2 = mirror_swap(x, h, y)
    assert torch.allclose(y2[:, 0], -y[:, 2]) and torch.allclose(y2[:, 1], y[:, 3])  # eye 1's yaw, mirrored
    assert torch.allclose(x2[:, 0], x[:, 1].flip(-1))
    x3, h3, y3 = mirror_swap(x2, h2, y2)
    assert torch.equal(x3, x) and torch.allclose(h3, h) and torch.allclose(y3, y)
