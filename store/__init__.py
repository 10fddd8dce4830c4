"""The relational store: SQLAlchemy models that validate their own changes, and the services that read and
write them. Plain values in and out; imports nothing from web, pipeline, gaze or render, nor Flask."""
from .accounts import Accounts, Identity
from .calibrations import Calibrations
from .db import Database, open_engine
from .errors import StoreError
from .models import Base
from .presets import Presets
from .recorder import Recorder
from .recordings import Recordings

__all__ = ["Accounts", "Base", "Calibrations", "Database", "Identity", "Presets", "Recorder", "Recordings",
           "StoreError", "open_engine"]
