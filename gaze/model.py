"""The eye CNN: one shared trunk per eye crop -> yaw, pitch, pupil diameter, openness."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

# Output scaling: the network predicts (value - OFFSET) / SCALE for each output.
OUT_NAMES = ("yaw", "pitch", "pupil_mm", "openness")
OUT_OFFSET = (0.0, 0.0, 5.0, 0.5)
OUT_SCALE = (20.0, 15.0, 2.0, 0.5)
BLINK_OPENNESS = 0.2  # an eye counts as closed (blink) below this openness


@dataclass
class ModelArgs:
    """Shape of the eye CNN; stored in the checkpoint so the file rebuilds the model."""

    in_h: int = 36  # crop height (grey)
    in_w: int = 60  # crop width
    width: int = 16  # channels of the first conv; later blocks use 2x and 4x
    hidden: int = 128  # fully connected features
    head_dim: int = 0  # extra inputs (e.g. head pose / face box); 0 = eye crop only


def _block(cin: int, cout: int, n: int) -> list[nn.Module]:
    """Return n conv-bn-relu layers followed by a 2x2 max pool."""
    layers: list[nn.Module] = []
    for i in range(n):
        layers += [nn.Conv2d(cin if i == 0 else cout, cout, 3, padding=1, bias=False),
                   nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
    return layers + [nn.MaxPool2d(2)]


class EyeNet(nn.Module):
    """Map (N, 1, H, W) standardised grey eye crops to (N, 4) scaled outputs."""

    def __init__(self, args: ModelArgs):
        super().__init__()
        self.args = args
        w = args.width
        self.trunk = nn.Sequential(*_block(1, w, 1), *_block(w, 2 * w, 2), *_block(2 * w, 4 * w, 2))
        feat = 4 * w * (args.in_h // 8) * (args.in_w // 8)
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(feat, args.hidden), nn.ReLU(inplace=True))
        self.out = nn.Linear(args.hidden + args.head_dim, len(OUT_NAMES))

    def forward(self, x: torch.Tensor, head: torch.Tensor | None = None) -> torch.Tensor:
        """Return scaled outputs; `head` (N, head_dim) is required when head_dim > 0."""
        f = self.fc(self.trunk(x))
        if self.args.head_dim:
            f = torch.cat([f, head], 1)
        return self.out(f)


def standardise(crops: np.ndarray) -> torch.Tensor:
    """Turn uint8 grey crops (N, H, W) into a float tensor (N, 1, H, W) with zero mean, unit std each."""
    x = torch.from_numpy(np.ascontiguousarray(crops)).float().unsqueeze(1)
    mean = x.mean(dim=(2, 3), keepdim=True)
    std = x.std(dim=(2, 3), keepdim=True).clamp_min(4.0)
    return (x - mean) / std


def scale_targets(labels: np.ndarray) -> torch.Tensor:
    """Scale (N, 4) labels (yaw, pitch, pupil_mm, openness) to network units."""
    off, sc = np.array(OUT_OFFSET, np.float32), np.array(OUT_SCALE, np.float32)
    return torch.from_numpy((labels - off) / sc)


def unscale(out: torch.Tensor) -> np.ndarray:
    """Turn network outputs back into (N, 4) physical units, openness clipped to 0..1."""
    off, sc = np.array(OUT_OFFSET, np.float32), np.array(OUT_SCALE, np.float32)
    y = out.detach().cpu().numpy() * sc + off
    y[:, 3] = np.clip(y[:, 3], 0.0, 1.0)
    y[:, 2] = np.clip(y[:, 2], 1.0, 9.0)
    return y


def save_checkpoint(path: str, model: EyeNet, meta: dict) -> None:
    """Write a self-describing checkpoint: weights, model args and meta data."""
    torch.save({"model": model.state_dict(), "model_args": asdict(model.args), "meta": meta}, path)


def load_checkpoint(path: str, device: torch.device | None = None) -> tuple[EyeNet, dict]:
    """Rebuild the model from a checkpoint file alone; return (model in eval mode, meta)."""
    ck = torch.load(path, map_location=device or "cpu", weights_only=True)
    model = EyeNet(ModelArgs(**ck["model_args"]))
    model.load_state_dict(ck["model"])
    return model.to(device or "cpu").eval(), ck.get("meta", {})
