"""Contains shared errors types that can be raised from API functions"""


class UnexpectedStatus(Exception):
    """Raised by api functions when the response status an undocumented status and Client.raise_on_unexpected_status is True

    The message gives the status and the size of the body, never the body itself (it can
    hold tokens); ``content`` holds the body as received.
    """

    def __init__(self, status_code: int, content: bytes):
        self.status_code = status_code
        self.content = content

        super().__init__(
            f"{self._summary()}: {status_code} ({len(content)} bytes of response body received;"
            " not shown as it may hold credentials, see .content)"
        )

    def _summary(self) -> str:
        return "Unexpected status code"


class UnparsableResponse(UnexpectedStatus):
    """Raised by api functions when a documented status has a body that does not parse and Client.raise_on_unexpected_status is True

    ``reason`` names the parser's exception type (e.g. ``JSONDecodeError``, ``RecursionError``);
    the exception itself is not chained, since its message or attributes may quote the body.
    """

    def __init__(self, status_code: int, content: bytes, reason: str = ""):
        self.reason = reason
        super().__init__(status_code, content)

    def _summary(self) -> str:
        reason = f" ({self.reason})" if self.reason else ""
        return f"Response body could not be parsed{reason} for status code"


__all__ = ["UnexpectedStatus", "UnparsableResponse"]
