"""Another client against the emulator: tmdbapis (the one Python peer with v4 auth) logs in and out,
and turns its v4 login into a v3 session and ends it.

tmdbapis' ``API4`` and ``API3`` hard-code ``https://api.themoviedb.org/4`` and ``/3`` in the module
constants ``tmdbapis.api4.base_url`` and ``tmdbapis.api3.base_url``; the tests point them at the
emulator and give them a requests session that refuses any host but 127.0.0.1, so nothing can
reach TMDB.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from tmdbapis import api3, api4
from tmdbapis.api3 import API3
from tmdbapis.api4 import API4
from tmdbapis.exceptions import NotFound, TMDbException

from tests.helpers.pages import the_form
from tmdb_auth.emulator import Emulator


class LoopbackOnlySession(requests.Session):
    """A requests session that sends only to 127.0.0.1 and remembers what it sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str]] = []
        self.credentials: list[tuple[str, ...]] = []  # per request: which credentials it carried

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = urlsplit(str(request.url))
        assert url.hostname == "127.0.0.1", f"tmdbapis tried to reach {url.hostname}"
        self.sent.append((str(request.method), url.path))
        carried = ("api_key",) if "api_key" in parse_qs(url.query) else ()
        self.credentials.append(carried + (("Authorization",) if "Authorization" in request.headers else ()))
        return super().send(request, **kwargs)


@pytest.fixture
def session(tmdb_emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackOnlySession]:
    monkeypatch.setattr(api4, "base_url", f"{tmdb_emulator.base_url}/4")
    monkeypatch.setattr(api3, "base_url", f"{tmdb_emulator.base_url}/3")
    with LoopbackOnlySession() as session:
        yield session


def approve_on_the_page(session: requests.Session, emulator: Emulator, request_token: str) -> None:
    """What the user does in a browser: open the approval page and click Approve."""
    page = session.get(emulator.approval_url(request_token), allow_redirects=False, timeout=10)
    form = the_form(page.text)
    answer = session.post(emulator.base_url + form.action, data=form.submission("approve"), allow_redirects=False)
    assert answer.status_code == 302


@pytest.mark.parametrize("approval", ["fixture-helper", "approval-page"])
def test_tmdbapis_logs_in_and_out(tmdb_emulator: Emulator, session: LoopbackOnlySession, approval: str) -> None:
    # API4 starts as the app: the read access token is its Bearer. validate=True (its default) probes
    # that token by exchanging it as if it were a request token (code 33), then creates a request token.
    api = API4(tmdb_emulator.read_token, session=session)
    assert not api.has_write_token

    request_token = api.auth_create_request_token(redirect_to="http://127.0.0.1:9/done")["request_token"]
    with pytest.raises(TMDbException):
        api.auth_create_access_token(request_token)  # not approved yet: 422, code 41
    if approval == "fixture-helper":
        tmdb_emulator.approve(request_token)
    else:
        approve_on_the_page(session, tmdb_emulator, request_token)

    exchanged = api.auth_create_access_token(request_token)
    assert exchanged["success"] is True
    assert api.account_id == tmdb_emulator.account_id
    assert api.has_write_token
    access_token = api.access_token  # from now on tmdbapis sends the user's access token as the Bearer
    assert access_token in tmdb_emulator.state.access_tokens

    logout = api.auth_delete_access_token(access_token)
    assert logout == {"success": True, "status_code": 13, "status_message": "The item/record was deleted successfully."}
    assert access_token not in tmdb_emulator.state.access_tokens, "the emulator revoked it"
    with pytest.raises(TMDbException, match=r"Invalid API key"):
        api.auth_delete_access_token(access_token)  # its own Bearer is revoked now: code 7

    assert session.sent, "tmdbapis sent its requests through the loopback-only session"
    assert session.sent == [(request.method, request.path) for request in tmdb_emulator.requests], (
        "the emulator answered every request tmdbapis sent, and nothing else"
    )
    assert [(request.path, request.status) for request in tmdb_emulator.requests if request.path.startswith("/4/")] == [
        ("/4/auth/access_token", 401),  # API4's probe of the read token
        ("/4/auth/request_token", 200),  # ... then a request token it throws away
        ("/4/auth/request_token", 200),
        ("/4/auth/access_token", 422),
        ("/4/auth/access_token", 200),
        ("/4/auth/access_token", 200),  # the logout, DELETE
        ("/4/auth/access_token", 401),
    ]


@pytest.mark.parametrize("answer", ["deny", "expire"])
def test_tmdbapis_sees_code_33_for_a_denied_or_expired_token(
    tmdb_emulator: Emulator, session: LoopbackOnlySession, answer: str
) -> None:
    api = API4(tmdb_emulator.read_token, session=session, validate=False)
    request_token = api.auth_create_request_token()["request_token"]
    getattr(tmdb_emulator, answer)(request_token)
    with pytest.raises(TMDbException, match=r"^\(33\) Invalid request token"):
        api.auth_create_access_token(request_token)
    assert not api.has_write_token


def test_tmdbapis_makes_and_ends_a_v3_session_from_its_v4_login(
    tmdb_emulator: Emulator, session: LoopbackOnlySession
) -> None:
    v4 = API4(tmdb_emulator.read_token, session=session, validate=False)
    request_token = v4.auth_create_request_token()["request_token"]
    tmdb_emulator.approve(request_token)
    v4.auth_create_access_token(request_token)
    # API3 authenticates with the app's v3 API key (?api_key=); validate=False skips its probe of
    # /3/configuration, which the emulator does not serve.
    v3 = API3(tmdb_emulator.api_key, api4=v4, session=session, validate=False)
    before = len(session.sent)

    session_id = v3.session_id  # no session yet: tmdbapis converts its v4 access token itself
    assert tmdb_emulator.session_alive(session_id)
    assert v3.authentication_delete_session() == {"success": True}
    assert not tmdb_emulator.session_alive(session_id)
    with pytest.raises(NotFound):
        v3.authentication_delete_session(session_id)  # ended already: 404, code 37

    created = v3.authentication_create_session_from_v4(v4.access_token)
    assert created == {"success": True, "session_id": created["session_id"]}
    assert tmdb_emulator.session_alive(created["session_id"])
    assert v3.authentication_delete_session(created["session_id"]) == {"success": True}

    v4.auth_delete_access_token(v4.access_token)  # logged out: the access token makes no more sessions
    with pytest.raises(TMDbException, match=r"^\(35\) Invalid token"):
        v3.authentication_create_session_from_v4(v4.access_token)

    assert session.sent[before:] == [
        ("POST", "/3/authentication/session/convert/4"),
        ("DELETE", "/3/authentication/session"),
        ("DELETE", "/3/authentication/session"),
        ("POST", "/3/authentication/session/convert/4"),
        ("DELETE", "/3/authentication/session"),
        ("DELETE", "/4/auth/access_token"),
        ("POST", "/3/authentication/session/convert/4"),
    ]
    v3_credentials = [
        carried for (_, path), carried in zip(session.sent, session.credentials, strict=True) if path.startswith("/3/")
    ]
    assert set(v3_credentials) == {("api_key",)}, "tmdbapis' v3 calls carry the API key only"
    assert [(seen.path, seen.status) for seen in tmdb_emulator.requests if seen.path.startswith("/3/")] == [
        ("/3/authentication/session/convert/4", 200),
        ("/3/authentication/session", 200),
        ("/3/authentication/session", 404),
        ("/3/authentication/session/convert/4", 200),
        ("/3/authentication/session", 200),
        ("/3/authentication/session/convert/4", 401),
    ]
