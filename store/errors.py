"""The one error the store raises for a refused change; .code is the protocol's error code."""


class StoreError(ValueError):
    """A change the store refuses (not_found, duplicate, too_long, invalid, ...), or a database that is away."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def not_found(what: str) -> StoreError:
    """Return the error for a missing object (or another user's: the two look the same)."""
    return StoreError("not_found", f"no such {what}")


def check_text(value, field: str, min_len: int, max_len: int) -> str:
    """Return value stripped if it is a string of min_len..max_len characters, or raise."""
    if not isinstance(value, str):
        raise StoreError("bad_type", f"'{field}' must be a string")
    value = value.strip()
    if len(value) > max_len:
        raise StoreError("too_long", f"'{field}' may have at most {max_len} characters, got {len(value)}")
    if len(value) < min_len:
        raise StoreError("too_short", f"'{field}' needs at least {min_len} characters")
    return value
