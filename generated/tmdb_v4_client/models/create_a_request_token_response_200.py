from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, _model_repr

T = TypeVar("T", bound="CreateARequestTokenResponse200")


@_attrs_define
class CreateARequestTokenResponse200:
    """
    Attributes:
        request_token (str | Unset):  Example: eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiIxMzk5ZTI4YjczZjA4M2U0ZTQzMmZmYzUxOTc1YWFm
            YSIsIm5iZiI6MTc0MDk5MjcyMS4zMDg3MjMsImp0aSI6IjY3YzU3MGQxNjQ1ZDZjMmVjNTRhOWFhNiIsInNjb3BlcyI6WyJwZW5kaW5nX3JlcXVl
            c3RfdG9rZW4iXSwidmVyc2lvbiI6MiwiZXhwIjoxNzQwOTkzNjIxLCJyZWRpcmVjdF90byI6Imh0dHBzOi8vd3d3LnRoZW1vdmllZGIub3JnLyJ9
            .dnITyB2RQO4UbilSqTJzFt9XZ-SYxovjqSVlSDI4DIg.
        status_code (float | Unset):  Example: 1.
        status_message (str | Unset):  Example: Success..
        success (bool | Unset):  Example: True.
    """

    request_token: str | Unset = UNSET
    status_code: float | Unset = UNSET
    status_message: str | Unset = UNSET
    success: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def __repr__(self) -> str:
        return _model_repr(self)

    def to_dict(self) -> dict[str, Any]:
        request_token = self.request_token

        status_code = self.status_code

        status_message = self.status_message

        success = self.success

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if request_token is not UNSET:
            field_dict["request_token"] = request_token
        if status_code is not UNSET:
            field_dict["status_code"] = status_code
        if status_message is not UNSET:
            field_dict["status_message"] = status_message
        if success is not UNSET:
            field_dict["success"] = success

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        request_token = d.pop("request_token", UNSET)

        status_code = d.pop("status_code", UNSET)

        status_message = d.pop("status_message", UNSET)

        success = d.pop("success", UNSET)

        create_a_request_token_response_200 = cls(
            request_token=request_token,
            status_code=status_code,
            status_message=status_message,
            success=success,
        )

        create_a_request_token_response_200.additional_properties = d
        return create_a_request_token_response_200

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
