"""Replay videos rendered in the background: `python -m pipeline.replay` in its own process, its progress
pushed over Socket.IO to the user's pages, the MP4 kept in the instance folder for download."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from config import ROOT
from pipeline.errors import RequestError

from . import socketio

log = logging.getLogger(__name__)


@dataclass
class ReplayJob:
    """One replay being rendered (or finished) for a user's recording."""

    rec_id: str
    user_id: str
    state: str = "running"  # running, done, failed
    done: int = 0
    total: int = 0
    message: str = ""

    def to_dict(self) -> dict:
        """Return the `replay` event's payload."""
        return {"id": self.rec_id, "state": self.state, "done": self.done, "total": self.total,
                "message": self.message,
                "url": f"/recordings/{self.rec_id}/replay.mp4" if self.state == "done" else None}


def replays() -> "ReplayJobs":
    """Return the replay jobs of the current app."""
    return current_app.extensions["gazecast.replays"]


class ReplayJobs:
    """At most max_jobs renders at once, each a child process, so the server's loop never renders."""

    def __init__(self, config, instance_path: str):
        self.config, self.dir = config, Path(instance_path) / "replays"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.jobs: dict[str, ReplayJob] = {}

    def start(self, user_id: str, rec_id: str) -> dict:
        """Start rendering a (checked: the user's own) recording's replay; return the job."""
        job = self.jobs.get(rec_id)
        if job is not None and job.state == "running":
            return job.to_dict()
        if sum(j.state == "running" for j in self.jobs.values()) >= self.config.max_replays:
            raise RequestError("busy", f"{self.config.max_replays} replays are rendering: try again in a minute")
        job = self.jobs[rec_id] = ReplayJob(rec_id, user_id)
        socketio.start_background_task(self._run, job)
        return job.to_dict()

    def status(self, user_id: str, rec_id: str) -> dict | None:
        """Return the user's replay job of a recording, or a finished video left by an earlier run."""
        job = self.jobs.get(rec_id)
        if job is not None and job.user_id == user_id:
            return job.to_dict()
        if self.video(rec_id) is not None:
            return ReplayJob(rec_id, user_id, state="done").to_dict()
        return None

    def video(self, rec_id: str) -> Path | None:
        """Return the finished MP4 of a recording, if any."""
        path = self.dir / f"{rec_id}.mp4"
        return path if path.is_file() else None

    def discard(self, rec_id: str) -> None:
        """Forget a deleted recording's replay."""
        self.jobs.pop(rec_id, None)
        (self.dir / f"{rec_id}.mp4").unlink(missing_ok=True)

    def _run(self, job: ReplayJob) -> None:
        """Run the replay process, relaying its progress lines to the user's pages."""
        part, log_path = self.dir / f"{job.rec_id}.part.mp4", self.dir / f"{job.rec_id}.log"
        cmd = [sys.executable, "-m", "pipeline.replay", job.rec_id, "--out", str(part), "--user-id", job.user_id,
               "--database-url", self.config.sqlalchemy_url(), "--progress-lines"]
        with open(log_path, "wb") as err, \
                subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, env=os.environ.copy()) as proc:
            for line in proc.stdout:
                words = line.decode(errors="replace").split()
                if len(words) == 3 and words[0] == "progress":
                    job.done, job.total = int(words[1]), int(words[2])
                    socketio.emit("replay", job.to_dict(), to=f"u:{job.user_id}")
            code = proc.wait()
        if code == 0 and part.is_file():
            part.replace(self.dir / f"{job.rec_id}.mp4")
            job.state, job.message = "done", ""
        else:
            job.state = "failed"
            job.message = (log_path.read_text(errors="replace").strip().splitlines() or ["replay failed"])[-1]
            log.warning("replay of %s failed: %s", job.rec_id, job.message)
        socketio.emit("replay", job.to_dict(), to=f"u:{job.user_id}")
