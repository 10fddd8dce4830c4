"""The error every layer raises for a bad request; web turns it into an error acknowledgement."""


class RequestError(ValueError):
    """A request the server refuses; .code is the protocol's machine-readable error code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
