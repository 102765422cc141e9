"""Contains shared errors types that can be raised from API functions"""


class UnexpectedStatus(Exception):
    """Raised by api functions when the response status an undocumented status and Client.raise_on_unexpected_status is True

    The message gives the status and the size of the body, never the body itself (it can
    hold tokens); ``content`` holds the body as received.
    """

    _summary = "Unexpected status code"
    """The message's first words: the override point for subclasses."""

    def __init__(self, status_code: int, content: bytes):
        self.status_code = status_code
        self.content = content

        super().__init__(
            f"{self._summary}: {status_code} ({len(content)} bytes of response body received;"
            " not shown as it may hold credentials, see .content)"
        )


class UnparsableResponse(UnexpectedStatus):
    """Raised by api functions when a documented status has a body that does not parse and Client.raise_on_unexpected_status is True

    ``reason`` names the parser's exception type (e.g. ``JSONDecodeError``, ``RecursionError``);
    the exception itself is not chained, since its message or attributes may quote the body.
    """

    _summary = "Response body could not be parsed for status code"

    def __init__(self, status_code: int, content: bytes, reason: str = ""):
        self.reason = reason
        if reason:  # named in the message too: "... could not be parsed (JSONDecodeError) for status code"
            self._summary = self._summary.replace(" for ", f" ({reason}) for ", 1)
        super().__init__(status_code, content)


__all__ = ["UnexpectedStatus", "UnparsableResponse"]
