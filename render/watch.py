"""Live reload: notice edited, added and removed shader files by polling their modification times."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .effects import EffectSpec, parse_effect
from .glsl import ShaderError


@dataclass
class Changes:
    """What changed since the last poll. A changed lib file marks every effect changed."""

    changed: list[EffectSpec] = field(default_factory=list)
    added: list[EffectSpec] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # effect names

    def __bool__(self) -> bool:
        return bool(self.changed or self.added or self.removed)


class ShaderWatcher:
    """Poll shaders/*.glsl and shaders/lib/*.glsl; one poll is a few stat calls, fine every 0.5 s."""

    def __init__(self, shaders_dir: str | Path):
        self.dir = Path(shaders_dir)
        self._stamps = self._scan()
        self._effects: dict[str, str] = {}  # file path -> effect name, for effect files only
        for path in self._stamps:
            if Path(path).parent == self.dir and (spec := _parse(path)):
                self._effects[path] = spec.name

    def _scan(self) -> dict[str, tuple[int, int]]:
        """Return {path: (mtime_ns, size)} of every .glsl file watched."""
        stamps = {}
        for folder in (self.dir, self.dir / "lib"):
            try:
                entries = list(os.scandir(folder))
            except FileNotFoundError:
                continue
            for e in entries:
                if e.name.endswith(".glsl") and e.is_file():
                    st = e.stat()
                    stamps[e.path] = (st.st_mtime_ns, st.st_size)
        return stamps

    def poll(self) -> Changes:
        """Return the effects whose files changed, appeared or disappeared since the last poll."""
        stamps = self._scan()
        touched = {p for p in stamps.keys() | self._stamps.keys() if stamps.get(p) != self._stamps.get(p)}
        self._stamps = stamps
        if not touched:
            return Changes()
        lib_touched = any(Path(p).parent != self.dir for p in touched)
        effect_files = {p for p in stamps if Path(p).parent == self.dir}
        recheck = effect_files if lib_touched else touched & effect_files
        changes = Changes()
        for path in sorted(touched - effect_files):  # deleted effect files
            if path in self._effects:
                changes.removed.append(self._effects.pop(path))
        for path in sorted(recheck):
            self._recheck(path, changes)
        return changes

    def _recheck(self, path: str, changes: Changes) -> None:
        """Reparse one effect file into changes: changed, added, renamed or no longer an effect."""
        spec, old = _parse(path), self._effects.get(path)
        if spec is None:
            if old is not None:
                changes.removed.append(self._effects.pop(path))
            return
        self._effects[path] = spec.name
        if old == spec.name:
            changes.changed.append(spec)
            return
        if old is not None:
            changes.removed.append(old)
        changes.added.append(spec)


def _parse(path: str) -> EffectSpec | None:
    """Parse an effect file; a file caught half-written, or unparsable, is not an effect yet."""
    try:
        return parse_effect(Path(path))
    except (OSError, ValueError, KeyError):
        return None


def apply(compositor, changes: Changes) -> list[ShaderError]:
    """Load changed and added effects into a compositor and drop removed ones; return the compile errors.

    A failed compile leaves the effect's previous program running."""
    errors = []
    for name in changes.removed:
        compositor.unload(name)
    for spec in changes.changed + changes.added:
        try:
            compositor.load(spec)
        except ShaderError as exc:
            errors.append(exc)
    return errors
