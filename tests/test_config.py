"""Configuration: defaults, then GAZECAST_* variables, then flags; app.py's start-up messages."""
import subprocess
import sys

import pytest

from config import Config, parse_args
from tests.support import ROOT


def test_defaults_serve_the_demo_on_loopback():
    c = Config.from_env({})
    assert (c.host, c.port, c.async_mode, c.source, c.width, c.height) == ("127.0.0.1", 5000, "eventlet", "demo", 1280, 720)
    assert c.database_url.startswith("sqlite:///")


def test_environment_overrides_defaults_and_flags_override_both():
    env = {"GAZECAST_PORT": "6000", "GAZECAST_FPS": "24", "GAZECAST_SOURCE": "clip.mp4", "GAZECAST_GL_DEVICE": "1"}
    assert (Config.from_env(env).port, Config.from_env(env).fps, Config.from_env(env).gl_device) == (6000, 24.0, 1)
    c = parse_args(["--port", "5001", "--size", "640x360", "--async-mode", "threading"], environ=env)
    assert (c.port, c.width, c.height, c.async_mode, c.source, c.fps) == (5001, 640, 360, "threading", "clip.mp4", 24.0)


def test_a_bad_size_is_a_usage_error(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--size", "big"], environ={})
    assert "--size must look like 1280x720" in capsys.readouterr().err


def test_the_render_path_comes_from_the_environment_or_a_flag_and_is_checked(capsys):
    assert parse_args([], environ={}).render_path == "auto"
    assert parse_args([], environ={"GAZECAST_RENDER_PATH": "gl"}).render_path == "gl"
    assert parse_args(["--render-path", "cpu"], environ={"GAZECAST_RENDER_PATH": "gl"}).render_path == "cpu"
    with pytest.raises(SystemExit):
        parse_args([], environ={"GAZECAST_RENDER_PATH": "vulkan"})
    assert "GAZECAST_RENDER_PATH must be auto, gl or cpu, got 'vulkan'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse_args(["--render-path", "vulkan"], environ={})


def test_help_lists_the_flags():
    out = subprocess.run([sys.executable, str(ROOT / "app.py"), "--help"], capture_output=True, text=True, check=True)
    for flag in ("--host", "--port", "--async-mode", "--source", "--size", "--message-queue", "--gl-device",
                 "--render-path", "--public", "--auth", "--anonymous-role", "--max-channels", "--header-timeout",
                 "--gaze-rate", "--max-frame-pixels", "--channel-idle"):
        assert flag in out.stdout


def test_a_missing_gl_device_stops_with_one_clear_message():
    out = subprocess.run([sys.executable, str(ROOT / "app.py"), "--gl-device", "97", "--port", "1"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("gazecast: cannot create a headless OpenGL context") and "libegl1" in last
    assert "Traceback" not in out.stderr


def test_the_server_refuses_to_serve_beyond_loopback_unless_told_to():
    out = subprocess.run([sys.executable, str(ROOT / "app.py"), "--host", "0.0.0.0", "--port", "1"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "refusing to serve on 0.0.0.0" in out.stderr and "--public" in out.stderr


def test_limits_and_authority_come_from_the_environment_or_flags(capsys):
    env = {"GAZECAST_MAX_CHANNELS": "3", "GAZECAST_PUBLIC": "true", "GAZECAST_AUTH": "tokens",
           "GAZECAST_GAZE_RATE": "50.5", "GAZECAST_RENDER_IDLE": "2"}
    c = parse_args(["--max-channels", "5", "--anonymous-role", "none"], environ=env)
    assert (c.max_channels, c.public, c.auth, c.gaze_rate, c.render_idle, c.anonymous_role) == (
        5, True, "tokens", 50.5, 2.0, "none")
    assert parse_args([], environ={}).public is False and parse_args(["--public"], environ={}).public is True
    with pytest.raises(SystemExit):
        parse_args([], environ={"GAZECAST_AUTH": "maybe"})
    assert "GAZECAST_AUTH must be auto, open or tokens" in capsys.readouterr().err
    with pytest.raises(ValueError):
        Config.from_env({"GAZECAST_PUBLIC": "perhaps"})


def test_the_cluster_timing_comes_from_the_environment_or_flags_and_renewal_beats_expiry(capsys):
    c = parse_args(["--lease-ttl", "4", "--cluster-timeout", "3"], environ={"GAZECAST_LEASE_RENEW": "1.5"})
    assert (c.lease_ttl, c.lease_renew, c.cluster_timeout, c.settings_ttl) == (4.0, 1.5, 3.0, 600.0)
    with pytest.raises(SystemExit):
        parse_args(["--lease-ttl", "1", "--lease-renew", "1"], environ={})
    assert "--lease-renew (1) must be positive and shorter than --lease-ttl (1)" in capsys.readouterr().err
