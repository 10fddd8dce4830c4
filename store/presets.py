"""Named effect chains: save mine, list mine and the shared ones, load by id or by name."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from .db import Database, transaction
from .errors import StoreError, not_found
from .models import Preset, User


class Presets:
    """Presets by owner; another user's is found only when shared."""

    LIMIT = 200  # per user

    def __init__(self, db: Database):
        self.db = db

    @transaction
    def save(self, s, user_id: str, name, chain, effects: dict, filter_params=None, shared=False) -> dict:
        """Save (or overwrite) the user's preset of this name with a chain checked against `effects`."""
        probe = Preset(user_id, name, shared)  # validates name and shared before anything is looked up
        row = s.scalar(select(Preset).where(Preset.user_id == user_id, Preset.name == probe.name))
        if row is None:
            if len(s.scalars(select(Preset.id).where(Preset.user_id == user_id)).all()) >= self.LIMIT:
                raise StoreError("too_many", f"at most {self.LIMIT} presets per account: delete one first")
            row = probe
            s.add(row)
        row.set_shared(shared)
        row.set_chain(chain, effects, filter_params)
        try:
            s.flush()
        except IntegrityError:
            raise StoreError("duplicate", f"a preset named {probe.name!r} was saved at the same time") from None
        return row.to_dict()

    @transaction
    def list(self, s, user_id: str) -> dict:
        """Return {"mine": [...], "shared": [...]} (shared: other users' shared presets, with their owner)."""
        mine = s.scalars(select(Preset).where(Preset.user_id == user_id).order_by(Preset.name))
        shared = s.execute(select(Preset, User.username).join(User, Preset.user_id == User.id)
                           .where(Preset.shared.is_(True), Preset.user_id != user_id)
                           .order_by(Preset.name, User.username).limit(500))
        return {"mine": [p.to_dict() for p in mine], "shared": [p.to_dict(owner) for p, owner in shared]}

    @transaction
    def find(self, s, user_id: str, preset_id=None, name=None, owner=None) -> dict:
        """Return a preset by id (mine or shared), or by name: mine first, else the one shared under that name."""
        visible = or_(Preset.user_id == user_id, Preset.shared.is_(True))
        q = select(Preset, User.username).join(User, Preset.user_id == User.id)
        if isinstance(preset_id, str):
            rows = s.execute(q.where(Preset.id == preset_id, visible)).all()
        elif isinstance(name, str):
            rows = s.execute(q.where(Preset.name == name.strip(), Preset.user_id == user_id)).all()
            if not rows:
                q = q.where(Preset.name == name.strip(), Preset.shared.is_(True))
                if isinstance(owner, str):
                    q = q.where(User.name_key == owner.lower())
                rows = s.execute(q.limit(2)).all()
                if len(rows) > 1:
                    raise StoreError("ambiguous", f"several users share a preset named {name!r}: name its 'owner'")
        else:
            raise StoreError("bad_request", "name a preset by 'id' or 'name'")
        if not rows:
            raise not_found("preset")
        preset, username = rows[0]
        return preset.to_dict(username)

    @transaction
    def delete(self, s, user_id: str, preset_id) -> None:
        """Delete one of the user's presets."""
        row = s.scalar(select(Preset).where(Preset.id == preset_id, Preset.user_id == user_id)) \
            if isinstance(preset_id, str) else None
        if row is None:
            raise not_found("preset")
        s.delete(row)
