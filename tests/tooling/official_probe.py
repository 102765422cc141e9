"""Calls a handful of GET operations generated from TMDB's official v3 document; prints what each returned.

Run by test_official_document.py in a subprocess whose PYTHONPATH puts the freshly generated
tmdb_v4_client (in a repository copy) ahead of this checkout's:
``python tests/tooling/official_probe.py BASE_URL TOKEN GENERATED_DIR``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import tmdb_v4_client
from tmdb_v4_client import AuthenticatedClient
from tmdb_v4_client.api.default import account_get_favorites, find_by_id, movie_details, trending_movies
from tmdb_v4_client.models import AccountGetFavoritesSortBy, FindByIdExternalSource, TrendingMoviesTimeWindow


def described(response: Any) -> dict[str, Any]:
    parsed = response.parsed
    return {
        "status": int(response.status_code),
        "type": type(parsed).__name__,
        "value": parsed.to_dict() if parsed is not None else None,
    }


def main(base_url: str, token: str, generated: str) -> dict[str, Any]:
    assert (tmdb_v4_client.__file__ or "").startswith(generated), tmdb_v4_client.__file__
    client = AuthenticatedClient(base_url=base_url, token=token, raise_on_unexpected_status=True)
    return {
        "account-get-favorites": described(
            account_get_favorites.sync_detailed(
                548, client=client, page=2, session_id="s-1", sort_by=AccountGetFavoritesSortBy.CREATED_AT_DESC
            )
        ),
        "find-by-id": described(
            find_by_id.sync_detailed("tt0137523", client=client, external_source=FindByIdExternalSource.IMDB_ID)
        ),
        "trending-movies": described(
            trending_movies.sync_detailed(TrendingMoviesTimeWindow.WEEK, client=client, language="NO")
        ),
        "movie-details": described(movie_details.sync_detailed(550, client=client, append_to_response="videos")),
    }


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))
