from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, _model_repr

T = TypeVar("T", bound="CreateAnAccessTokenBody")


@_attrs_define
class CreateAnAccessTokenBody:
    """
    Attributes:
        request_token (str | Unset): The request token for authentication Example: eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiIxMzk5
            ZTI4YjczZjA4M2U0ZTQzMmZmYzUxOTc1YWFmYSIsIm5iZiI6MTc0MDk5MjcyMS4zMDg3MjMsImp0aSI6IjY3YzU3MGQxNjQ1ZDZjMmVjNTRhOWFh
            NiIsInNjb3BlcyI6WyJwZW5kaW5nX3JlcXVlc3RfdG9rZW4iXSwidmVyc2lvbiI6MiwiZXhwIjoxNzQwOTkzNjIxLCJyZWRpcmVjdF90byI6Imh0
            dHBzOi8vd3d3LnRoZW1vdmllZGIub3JnLyJ9.dnITyB2RQO4UbilSqTJzFt9XZ-SYxovjqdjfeyewhFqrf.
    """

    request_token: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def __repr__(self) -> str:
        return _model_repr(self)

    def to_dict(self) -> dict[str, Any]:
        request_token = self.request_token

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if request_token is not UNSET:
            field_dict["request_token"] = request_token

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        request_token = d.pop("request_token", UNSET)

        create_an_access_token_body = cls(
            request_token=request_token,
        )

        create_an_access_token_body.additional_properties = d
        return create_an_access_token_body

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
