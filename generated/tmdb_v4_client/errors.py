"""Contains shared errors types that can be raised from API functions"""

_MAX_CONTENT_IN_MESSAGE = 1000


class UnexpectedStatus(Exception):
    """Raised by api functions when the response status an undocumented status and Client.raise_on_unexpected_status is True"""

    _summary = "Unexpected status code"

    def __init__(self, status_code: int, content: bytes):
        self.status_code = status_code
        self.content = content

        super().__init__(
            f"{self._summary}: {status_code}\n\nResponse content:\n{content[:_MAX_CONTENT_IN_MESSAGE].decode(errors='ignore')}"
        )


class UnparsableResponse(UnexpectedStatus):
    """Raised by api functions when a documented status has a body that does not parse and Client.raise_on_unexpected_status is True"""

    _summary = "Response body could not be parsed for status code"


__all__ = ["UnexpectedStatus", "UnparsableResponse"]
