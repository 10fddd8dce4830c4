"""The default screen geometry: gaze angles <-> screen point, used when uncalibrated.

A viewer centred in front of the screen sees its full width within yaw -20..+20 degrees
and its full height within pitch +12.5..-12.5 degrees (up is positive pitch):

    yaw   = (x - 0.5) * YAW_SPAN      x = 0.5 + yaw / YAW_SPAN
    pitch = -(y - 0.5) * PITCH_SPAN   y = 0.5 - pitch / PITCH_SPAN

with x, y in [0, 1] (0, 0 = top left). Synthetic clips use the same mapping for their labels.
"""
from __future__ import annotations

YAW_SPAN = 40.0  # degrees across the screen width
PITCH_SPAN = 25.0  # degrees across the screen height


def screen_to_angles(x: float, y: float) -> tuple[float, float]:
    """Return (yaw, pitch) in degrees that look at screen point (x, y)."""
    return (x - 0.5) * YAW_SPAN, -(y - 0.5) * PITCH_SPAN


def angles_to_screen(yaw: float, pitch: float, clip: bool = True) -> tuple[float, float]:
    """Return the screen point (x, y) looked at with (yaw, pitch), clipped to [0, 1]."""
    x, y = 0.5 + yaw / YAW_SPAN, 0.5 - pitch / PITCH_SPAN
    if clip:
        x, y = min(1.0, max(0.0, x)), min(1.0, max(0.0, y))
    return x, y
