"""The two-eye gaze CNN: both normalised eye patches and the head pose in, each eye's gaze out.

One convolutional trunk (shared weights) turns each 36x60 grey patch into features; the features of
both eyes and the head's direction in each eye's normalised camera meet in a joint layer, which
predicts per eye the gaze (yaw, pitch in its normalised camera), the lid openness and the iris centre
in the patch (intermediate supervision), and for the pair the pupil-to-iris diameter ratio.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

# output columns, their offsets and scales: the network predicts (value - offset) / scale
OUT_NAMES = ("yaw0", "pitch0", "yaw1", "pitch1", "open0", "open1", "irisx0", "irisy0", "irisx1", "irisy1", "pupil")
OUT_OFFSET = np.array([0, 0, 0, 0, 0.5, 0.5, 0, 0, 0, 0, 0.42], np.float32)
OUT_SCALE = np.array([20, 15, 20, 15, 0.5, 0.5, 8, 6, 8, 6, 0.15], np.float32)
HEAD_SCALE = 30.0  # degrees: head angles enter the joint layer divided by this
BLINK_OPENNESS = 0.2  # an eye counts as closed (blink) below this openness


@dataclass
class ModelArgs:
    """Shape of the gaze CNN; stored in the checkpoint so the file rebuilds the model."""

    in_h: int = 36  # patch height (grey)
    in_w: int = 60  # patch width
    width: int = 24  # channels after the first convolution; later stages use more
    features: int = 128  # per-eye features
    hidden: int = 192  # the joint layer


def _conv(cin: int, cout: int, stride: int = 1, k: int = 3) -> list[nn.Module]:
    """Return conv-bn-relu."""
    return [nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class GazeNet(nn.Module):
    """Map two standardised patches (N, 2, 1, H, W) and head angles (N, 2, 2) to (N, 11) scaled outputs."""

    def __init__(self, args: ModelArgs):
        super().__init__()
        self.args = args
        w = args.width
        self.trunk = nn.Sequential(
            *_conv(1, w, 2, 5),                                  # 18 x 30
            *_conv(w, 2 * w), nn.MaxPool2d(2),                   # 9 x 15
            *_conv(2 * w, 2 * w), *_conv(2 * w, 3 * w), nn.MaxPool2d(2),  # 4 x 7
            *_conv(3 * w, 4 * w), nn.Flatten(),
            nn.Linear(4 * w * (args.in_h // 8) * (args.in_w // 8), args.features), nn.ReLU(inplace=True))
        self.joint = nn.Sequential(nn.Linear(2 * args.features + 4, args.hidden), nn.ReLU(inplace=True),
                                   nn.Dropout(0.1), nn.Linear(args.hidden, len(OUT_NAMES)))

    def forward(self, eyes: torch.Tensor, head: torch.Tensor) -> torch.Tensor:
        """Return scaled outputs for a batch of pairs."""
        n = eyes.shape[0]
        f = self.trunk(eyes.reshape(n * 2, 1, *eyes.shape[-2:])).reshape(n, -1)
        return self.joint(torch.cat([f, head.reshape(n, 4) / HEAD_SCALE], 1))


def standardise(patches: np.ndarray) -> torch.Tensor:
    """Turn uint8 pairs (N, 2, H, W) into floats (N, 2, 1, H, W) with zero mean and unit std per patch."""
    x = torch.from_numpy(np.ascontiguousarray(patches)).float().unsqueeze(2)
    mean = x.mean(dim=(3, 4), keepdim=True)
    std = x.std(dim=(3, 4), keepdim=True).clamp_min(4.0)
    return (x - mean) / std


def scale_targets(labels: np.ndarray) -> torch.Tensor:
    """Scale (N, 11) labels in OUT_NAMES order to network units."""
    return torch.from_numpy(((labels - OUT_OFFSET) / OUT_SCALE).astype(np.float32))


def unscale(out: torch.Tensor) -> np.ndarray:
    """Turn network outputs back into (N, 11) physical units; openness and pupil clipped to their range."""
    y = out.detach().cpu().numpy() * OUT_SCALE + OUT_OFFSET
    y[:, 4:6] = np.clip(y[:, 4:6], 0.0, 1.0)
    y[:, 10] = np.clip(y[:, 10], 0.12, 0.8)
    return y


def save_checkpoint(path: str, model: GazeNet, meta: dict) -> None:
    """Write a self-describing checkpoint: weights, model args and meta data."""
    torch.save({"model": model.state_dict(), "model_args": asdict(model.args), "meta": meta}, path)


def load_checkpoint(path: str, device: torch.device | None = None) -> tuple[GazeNet, dict]:
    """Rebuild the model from a checkpoint file alone; return (model in eval mode, meta)."""
    ck = torch.load(path, map_location=device or "cpu", weights_only=True)
    model = GazeNet(ModelArgs(**ck["model_args"]))
    model.load_state_dict(ck["model"])
    return model.to(device or "cpu").eval(), ck.get("meta", {})
