"""Effect specs read from the shader files: name, description, parameters with type and range."""
from __future__ import annotations

import ast
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

_UNIFORM = re.compile(r"^\s*uniform\s+(float|int|bool)\s+(\w+)\s*;\s*//\s*@param\s+(.*)$")
_KEYVAL = re.compile(r"(\w+)=(\S+)")
_HEADER = re.compile(r"^\s*//\s*@(effect|description|order|pyramid|feedback|extent)\b\s*(.*)$")


class ParamError(ValueError):
    """A parameter value that the spec rejects; .code is the protocol's error code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ParamSpec:
    """One tunable uniform of an effect."""

    name: str
    type: str  # "float", "int" or "bool"
    min: float
    max: float
    default: float
    description: str = ""

    def coerce(self, value):
        """Return value as this parameter's type, or raise ParamError."""
        if isinstance(value, bool):
            if self.type != "bool":
                raise ParamError("bad_type", f"{self.name} takes a number, not a boolean")
            return value
        if not isinstance(value, (int, float)):
            raise ParamError("bad_type", f"{self.name} takes a number, got {type(value).__name__}")
        if not math.isfinite(value):
            raise ParamError("not_finite", f"{self.name} must be finite, got {value!r}")
        if self.type == "bool":
            return bool(value)
        if not self.min <= value <= self.max:
            raise ParamError("out_of_range", f"{self.name} must be in [{self.min}, {self.max}], got {value}")
        return int(round(value)) if self.type == "int" else float(value)


@dataclass(frozen=True)
class EffectSpec:
    """An effect as the control panel and /api/effects see it."""

    name: str
    description: str
    params: tuple[ParamSpec, ...]
    path: str
    order: int = 100  # default place in the chain, lower runs first
    pyramid: int = 0  # blur pyramid levels the program samples (0: none)
    feedback: int = 0  # persistent state texture at 1/feedback resolution (0: none), see Compositor
    extent: str = ""  # expression of the params: how far from the gaze the effect acts (see extent_at())
    source: str = field(default="", repr=False, compare=False)

    def param(self, name: str) -> ParamSpec:
        """Return the spec of one parameter, or raise ParamError."""
        for p in self.params:
            if p.name == name:
                return p
        raise ParamError("unknown_param", f"effect {self.name!r} has no parameter {name!r}")

    def defaults(self) -> dict:
        """Return {parameter: default value}."""
        kinds = {"bool": bool, "int": int, "float": float}
        return {p.name: kinds[p.type](p.default) for p in self.params}

    def extent_at(self, params: dict) -> float:
        """Return the distance from the gaze (frame heights) beyond which the effect leaves its input
        unchanged (a pyramid effect: shows only its upsampled coarse level); inf when not declared."""
        if not self.extent:
            return math.inf
        return float(eval(_extent_code(self.extent), {"__builtins__": {}}, {**self.defaults(), **params, **_EXTENT_NAMES}))

    def to_dict(self) -> dict:
        """Return the JSON form served by /api/effects."""
        d = asdict(self)
        del d["source"], d["path"], d["extent"]
        return d


def parse_effect(path: Path) -> EffectSpec | None:
    """Parse the annotations of one shader file; None if it declares no @effect."""
    text = path.read_text()
    header, params = {}, []
    for line in text.splitlines():
        if m := _HEADER.match(line):
            header[m.group(1)] = m.group(2).strip()
        elif m := _UNIFORM.match(line):
            params.append(_param(m.group(1), m.group(2), m.group(3)))
    if "effect" not in header:
        return None
    return EffectSpec(name=header["effect"], description=header.get("description", ""),
                      params=tuple(params), path=str(path), order=int(header.get("order", 100)),
                      pyramid=int(header.get("pyramid", 0)), feedback=_feedback(header),
                      extent=_check_extent(header.get("extent", ""), params, path), source=text)


def _feedback(header: dict) -> int:
    """Read `// @feedback [divisor]`: a bare annotation means state at full resolution."""
    if "feedback" not in header:
        return 0
    return max(1, int(header["feedback"] or 1))


_EXTENT_NAMES = {"inf": math.inf, "min": min, "max": max, "sqrt": math.sqrt, "sin": math.sin, "asin": math.asin}
_EXTENT_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.IfExp, ast.Compare, ast.BoolOp, ast.Name,
                 ast.Constant, ast.Load, ast.Call, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub, ast.Not,
                 ast.And, ast.Or, ast.Gt, ast.GtE, ast.Lt, ast.LtE, ast.Eq, ast.NotEq)
_extent_cache: dict = {}


def _extent_code(expr: str):
    """Compile an extent expression once."""
    if expr not in _extent_cache:
        _extent_cache[expr] = compile(ast.parse(expr, mode="eval"), "@extent", "eval")
    return _extent_cache[expr]


def _check_extent(expr: str, params: list, path: Path) -> str:
    """Accept `// @extent` only as arithmetic, comparisons and if/else over the effect's parameters."""
    if not expr:
        return ""
    names = {p.name for p in params} | set(_EXTENT_NAMES)
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"{path}: bad @extent {expr!r}: {exc.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _EXTENT_NODES) or (isinstance(node, ast.Name) and node.id not in names):
            raise ValueError(f"{path}: @extent {expr!r} may use only numbers, parameters, + - * /, "
                             f"comparisons, if/else, {', '.join(_EXTENT_NAMES)}")
    return expr


def _param(kind: str, name: str, annotation: str) -> ParamSpec:
    """Build a ParamSpec from `min=.. max=.. default=.. | description`."""
    spec, _, description = annotation.partition("|")
    kv = dict(_KEYVAL.findall(spec))
    lo, hi = (0.0, 1.0) if kind == "bool" else (float(kv["min"]), float(kv["max"]))
    return ParamSpec(name=name, type=kind, min=lo, max=hi, default=float(kv.get("default", lo)),
                     description=description.strip())


def load_effects(shaders_dir: str | Path) -> dict[str, EffectSpec]:
    """Return every effect declared in a shader folder, in chain order."""
    specs = [s for p in sorted(Path(shaders_dir).glob("*.glsl")) if (s := parse_effect(p))]
    return {s.name: s for s in sorted(specs, key=lambda s: (s.order, s.name))}
