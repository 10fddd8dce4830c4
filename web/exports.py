"""Streamed exports of a recording's samples or events, as CSV or JSON: batch by batch, never all in memory."""
from __future__ import annotations

import csv
import io
import json

from flask import Response

from pipeline.errors import RequestError
from pipeline.osthread import offload

from .database import service

FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def export_response(user_id: str, rec_id: str, what: str, fmt: str, download: bool = False) -> Response:
    """Return a streamed response of a recording's samples or events (404 for another user's)."""
    if fmt not in FORMATS:
        raise RequestError("bad_request", "format must be csv or json")
    if what not in ("samples", "events"):
        raise RequestError("bad_request", "what must be samples or events")
    cursor = offload(service("recordings").open_rows, user_id, rec_id, what)  # raises not_found first
    body = _csv(cursor) if fmt == "csv" else _json(cursor, what)
    headers = {"Cache-Control": "private, no-store"}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="recording-{rec_id}-{what}.{fmt}"'
    return Response(body, mimetype=FORMATS[fmt], headers=headers)


def _batches(cursor):
    """Yield the cursor's batches, each read off the loop; close it however the stream ends."""
    try:
        while batch := offload(cursor.next_batch):
            yield batch
    finally:
        offload(cursor.close)


def _csv(cursor):
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(cursor.columns)
    yield buf.getvalue()
    for batch in _batches(cursor):
        buf.seek(0)
        buf.truncate()
        writer.writerows(_cells(row) for row in batch)
        yield buf.getvalue()


def _cells(row):
    """Write floats with repr (they parse back exactly), booleans as 0/1, None as an empty cell."""
    return ["" if v is None else int(v) if isinstance(v, bool) else repr(v) if isinstance(v, float) else v for v in row]


def _json(cursor, what: str):
    head = json.dumps(cursor.recording.to_dict())
    yield f'{{"recording": {head}, "columns": {json.dumps(list(cursor.columns))}, "{what}": ['
    first = True
    for batch in _batches(cursor):
        text = ",\n".join(json.dumps(dict(zip(cursor.columns, row))) for row in batch)
        yield text if first else ",\n" + text
        first = False
    yield "]}\n"
