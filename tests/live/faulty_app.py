"""app.py with one fault injected, to see an unexpected error answered `internal` by a real server:
the state of a channel named `faulty` cannot be read (every other channel works as usual)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import app  # noqa: E402
from pipeline.channel import Channel  # noqa: E402

_state = Channel.state


def _faulty_state(self):
    if self.name == "faulty":
        raise RuntimeError("injected fault")
    return _state(self)


Channel.state = _faulty_state

if __name__ == "__main__":
    sys.exit(app.main())
