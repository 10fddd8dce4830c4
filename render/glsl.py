"""GLSL sources as the driver sees them: #include expanded with #line markers, errors mapped back to files."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import moderngl

HEADER = "#version 330 core\n#define {stage}\n{defines}"
LINE_STRIDE = 100000  # lines of file k are numbered k * LINE_STRIDE + 1, ...
_INCLUDE = re.compile(r'^\s*#include\s+"([^"]+)"\s*$')
# Mesa: "0:12(3): error: ..."; NVIDIA: "0(12) : error C0000: ..."; both start with source-string:line
_LOG_LINE = re.compile(r"^\s*(\d+)[:(](\d+)\)?(?:\(\d+\))?\s*:\s*(error|warning)\b[^:]*:\s*(.*)$")


class ShaderError(RuntimeError):
    """A program that does not compile or link, located in the file the author edits."""

    def __init__(self, message: str, effect: str | None = None, path: str | None = None,
                 line: int | None = None, log: str = ""):
        self.effect, self.path, self.line, self.message, self.log = effect, path, line, message, log
        where = f"{path}:{line}: " if path and line else ""
        super().__init__(f"{effect or 'shader'}: {where}{message}")


@dataclass(frozen=True)
class Expanded:
    """A source with its includes inlined; files[k] is GLSL source-string number k in driver logs."""

    text: str
    files: tuple[str, ...]


def expand(source: str, path: str, lib_dir: Path) -> Expanded:
    """Inline `#include "x.glsl"` from lib_dir, with #line markers so logs name the real file and line."""
    files: list[str] = []
    return Expanded(_expand(source, path, Path(lib_dir), files, ()), tuple(files))


def _expand(source: str, path: str, lib_dir: Path, files: list, stack: tuple) -> str:
    """Expand one file; its source-string number is its index in files."""
    if path in stack:
        raise ShaderError(f"#include cycle: {' -> '.join(stack + (path,))}")
    index = len(files)
    files.append(path)
    # GLSL 3.30: the line after `#line N S` is line N of source string S. Mesa drops S from some
    # messages ("0:1(19): `x' undeclared" for a line of string 2), so the file goes in N as well.
    base = index * LINE_STRIDE
    out = [f"#line {base + 1} {index}"]
    for number, line in enumerate(source.splitlines(), start=1):
        m = _INCLUDE.match(line)
        if not m:
            out.append(line)
            continue
        lib = lib_dir / m.group(1)
        if not lib.is_file():
            raise ShaderError(f"#include \"{m.group(1)}\" not found in {lib_dir}", path=path, line=number)
        out.append(_expand(lib.read_text(), str(lib), lib_dir, files, stack + (path,)))
        out.append(f"#line {base + number + 1} {index}")
    return "\n".join(out)


def locate(log: str, files: tuple[str, ...]) -> tuple[str | None, int | None, str]:
    """Return (file, line, message) of the first error in a driver log."""
    for text in log.splitlines():
        m = _LOG_LINE.match(text)
        if m and m.group(3) == "error":
            k, line = divmod(int(m.group(2)), LINE_STRIDE)
            return (files[k] if k < len(files) else None), line, m.group(4).strip()
    lines = [t.strip() for t in log.splitlines() if t.strip() and not set(t.strip()) <= {"="}]
    return None, None, (lines[-1] if lines else log.strip())  # a link error names no line


def build(ctx: moderngl.Context, source: str, path: str, lib_dir: Path, defines=(),
          effect: str | None = None) -> moderngl.Program:
    """Compile both stages of one program file; raise ShaderError located in the .glsl file."""
    try:
        expanded = expand(source, path, lib_dir)
    except ShaderError as exc:
        raise ShaderError(exc.message, effect=effect, path=exc.path, line=exc.line) from None
    extra = "".join(f"#define {d}\n" for d in defines)
    try:
        return ctx.program(
            vertex_shader=HEADER.format(stage="VERTEX_SHADER", defines=extra) + expanded.text,
            fragment_shader=HEADER.format(stage="FRAGMENT_SHADER", defines=extra) + expanded.text)
    except moderngl.Error as exc:
        file, line, message = locate(str(exc), expanded.files)
        raise ShaderError(message, effect=effect, path=file, line=line, log=str(exc)) from None
