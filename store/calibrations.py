"""A user's saved calibrations: keep a fit with its report, list the history, load one back."""
from __future__ import annotations

from sqlalchemy import func, select

from .db import Database, transaction
from .errors import StoreError, not_found
from .models import Calibration


class Calibrations:
    """Calibrations by owner; another user's is not found."""

    LIMIT = 500  # kept per user; the oldest go first

    def __init__(self, db: Database):
        self.db = db

    @transaction
    def save(self, s, user_id: str, params, report, points) -> dict:
        """Keep a fitted calibration and its validation report; return its listing."""
        row = Calibration.from_fit(user_id, params, report, points)
        s.add(row)
        if s.scalar(select(func.count()).select_from(Calibration).where(Calibration.user_id == user_id)) >= self.LIMIT:
            oldest = s.scalar(select(Calibration).where(Calibration.user_id == user_id)
                              .order_by(Calibration.created_at).limit(1))
            s.delete(oldest)
        return row.to_dict()

    @transaction
    def history(self, s, user_id: str, limit: int = 100) -> list[dict]:
        """Return the user's calibrations, newest first, with accuracy and precision."""
        rows = s.scalars(select(Calibration).where(Calibration.user_id == user_id)
                         .order_by(Calibration.created_at.desc()).limit(limit))
        return [r.to_dict() for r in rows]

    @transaction
    def get(self, s, user_id: str, cal_id=None) -> dict:
        """Return one calibration with its parameters (the newest when cal_id is None)."""
        q = select(Calibration).where(Calibration.user_id == user_id)
        if cal_id is not None:
            if not isinstance(cal_id, str):
                raise StoreError("bad_type", "'id' must be a string")
            q = q.where(Calibration.id == cal_id)
        row = s.scalar(q.order_by(Calibration.created_at.desc()).limit(1))
        if row is None:
            raise not_found("calibration")
        return row.to_dict(with_params=True)

    @transaction
    def delete(self, s, user_id: str, cal_id) -> None:
        """Delete one of the user's calibrations (recordings that used it keep their samples)."""
        row = s.scalar(select(Calibration).where(Calibration.id == cal_id, Calibration.user_id == user_id)) \
            if isinstance(cal_id, str) else None
        if row is None:
            raise not_found("calibration")
        s.delete(row)
