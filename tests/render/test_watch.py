"""The shader watcher sees edited, added and removed files, and a lib edit reloads every effect."""
import os
import shutil

import pytest

from config import ROOT
from render.compositor import Compositor
from render.watch import ShaderWatcher, apply

EFFECT = "// @effect {name}\n#include \"common.glsl\"\n#if defined FRAGMENT_SHADER\nvoid main() {{ f_color = vec4({body}, 1.0); }}\n#endif\n"


def write(path, text):
    """Write a file and move its mtime on, so the edit shows even within one clock tick."""
    old = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    st = path.stat()
    if st.st_mtime_ns <= old:
        os.utime(path, ns=(st.st_atime_ns, old + 1_000_000))


@pytest.fixture
def shaders(tmp_path):
    shutil.copytree(ROOT / "shaders" / "lib", tmp_path / "lib")
    write(tmp_path / "red.glsl", EFFECT.format(name="red", body="vec3(1.0, 0.0, 0.0)"))
    return tmp_path


def test_nothing_changed_gives_no_changes(shaders):
    assert not ShaderWatcher(shaders).poll()


def test_an_edited_effect_is_reported_once(shaders):
    watcher = ShaderWatcher(shaders)
    write(shaders / "red.glsl", EFFECT.format(name="red", body="vec3(0.9, 0.0, 0.0)"))
    changes = watcher.poll()
    assert [s.name for s in changes.changed] == ["red"] and "0.9" in changes.changed[0].source
    assert not watcher.poll()


def test_added_and_removed_effects(shaders):
    watcher = ShaderWatcher(shaders)
    write(shaders / "blue.glsl", EFFECT.format(name="blue", body="vec3(0.0, 0.0, 1.0)"))
    assert [s.name for s in watcher.poll().added] == ["blue"]
    (shaders / "red.glsl").unlink()
    assert watcher.poll().removed == ["red"]


def test_a_renamed_effect_is_removed_and_added(shaders):
    watcher = ShaderWatcher(shaders)
    write(shaders / "red.glsl", EFFECT.format(name="crimson", body="vec3(0.8, 0.0, 0.0)"))
    changes = watcher.poll()
    assert changes.removed == ["red"] and [s.name for s in changes.added] == ["crimson"]


def test_a_lib_edit_reloads_every_effect(shaders):
    write(shaders / "blue.glsl", EFFECT.format(name="blue", body="vec3(0.0, 0.0, 1.0)"))
    watcher = ShaderWatcher(shaders)
    write(shaders / "lib" / "noise.glsl", (shaders / "lib" / "noise.glsl").read_text() + "\n// edited\n")
    assert sorted(s.name for s in watcher.poll().changed) == ["blue", "red"]


def test_files_without_an_effect_header_are_not_effects(shaders):
    watcher = ShaderWatcher(shaders)
    write(shaders / "notes.glsl", "// just a helper\n")
    assert not watcher.poll()


def test_apply_loads_changes_and_reports_compile_errors(ctx, shaders):
    comp = Compositor(ctx, (32, 18), shaders)
    watcher = ShaderWatcher(shaders)
    write(shaders / "blue.glsl", EFFECT.format(name="blue", body="vec3(0.0, 0.0, 1.0)"))
    write(shaders / "bad.glsl", EFFECT.format(name="bad", body="vec3(oops)"))
    errors = apply(comp, watcher.poll())
    assert "blue" in comp.programs and "bad" not in comp.programs
    assert [(e.effect, e.line) for e in errors] == [("bad", 4)]
    (shaders / "blue.glsl").unlink()
    apply(comp, watcher.poll())
    assert "blue" not in comp.programs
    comp.release()
