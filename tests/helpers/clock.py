"""A fake clock for the facade's ``sleep`` seam: records every retry wait instead of sleeping."""

from __future__ import annotations


class FakeClock(list[float]):
    """The waits so far; pass ``sleep=clock.sleep`` (TMDBAuth) or ``sleep=clock.async_sleep`` (AsyncTMDBAuth)."""

    def sleep(self, seconds: float) -> None:
        self.append(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.append(seconds)
