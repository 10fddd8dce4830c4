"""A channel's effect chain: which effects run, in which order, with which parameters."""
from __future__ import annotations

import copy

from render.effects import EffectSpec, ParamError

from .errors import RequestError

DEFAULT_ON = ("foveate",)


class EffectChain:
    """The ordered effect settings of one channel, validated against the effect specs."""

    def __init__(self, specs: dict[str, EffectSpec]):
        self.specs = specs
        self.items = [{"name": s.name, "enabled": s.name in DEFAULT_ON, "params": s.defaults()}
                      for s in specs.values()]

    def _item(self, name) -> dict:
        """Return the staged settings of one effect, or raise unknown_effect."""
        for item in self._staged:
            if item["name"] == name:
                return item
        raise RequestError("unknown_effect", f"no effect named {name!r}; see /api/effects")

    def apply(self, effect=None, enabled=None, params=None, order=None) -> None:
        """Validate a whole change on a copy, then swap it in: a bad change changes nothing,
        and the render thread never sees half of one."""
        self._staged = copy.deepcopy(self.items)
        try:
            self._apply(effect, enabled, params, order)
        except ParamError as exc:
            raise RequestError(exc.code, str(exc)) from None
        self.items = self._staged

    def _apply(self, effect, enabled, params, order) -> None:
        if order is not None:
            self._reorder(order)
        if effect is None:
            if enabled is not None or params is not None:
                raise RequestError("bad_request", "'enabled' and 'params' need an 'effect'")
            return
        if not isinstance(effect, str):
            raise RequestError("bad_type", "'effect' must be a string")
        item, spec = self._item(effect), self.specs[effect]
        if enabled is not None:
            if not isinstance(enabled, bool):
                raise RequestError("bad_type", "'enabled' must be true or false")
            item["enabled"] = enabled
        if params is not None:
            if not isinstance(params, dict):
                raise RequestError("bad_type", "'params' must be an object")
            for name, value in params.items():
                item["params"][name] = spec.param(name).coerce(value)

    def _reorder(self, order) -> None:
        """Put the named effects first, in the given order; the others keep theirs after them."""
        if not isinstance(order, list) or not all(isinstance(n, str) for n in order):
            raise RequestError("bad_type", "'order' must be a list of effect names")
        if len(set(order)) != len(order):
            raise RequestError("bad_request", "'order' names an effect twice")
        named = [self._item(n) for n in order]
        self._staged = named + [i for i in self._staged if i["name"] not in order]

    def sync(self) -> None:
        """Follow the spec catalogue after a reload: new effects join (off), removed ones leave,
        changed ones keep the values of parameters that still exist and are still valid."""
        items = []
        for item in self.items:
            spec = self.specs.get(item["name"])
            if spec is None:
                continue
            params = spec.defaults()
            for name, value in item["params"].items():
                try:
                    params[name] = spec.param(name).coerce(value)
                except ParamError:
                    pass
            items.append({**item, "params": params})
        known = {i["name"] for i in items}
        items += [{"name": s.name, "enabled": False, "params": s.defaults()}
                  for s in self.specs.values() if s.name not in known]
        self.items = items

    def active(self) -> list[tuple[EffectSpec, dict]]:
        """Return the enabled effects in order, with their parameters."""
        return [(self.specs[i["name"]], dict(i["params"])) for i in self.items
                if i["enabled"] and i["name"] in self.specs]

    def to_list(self) -> list[dict]:
        """Return the chain as JSON-ready dicts."""
        return copy.deepcopy(self.items)
