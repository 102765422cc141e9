from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, _model_repr

T = TypeVar("T", bound="CreateAnAccessTokenResponse200")


@_attrs_define
class CreateAnAccessTokenResponse200:
    """
    Attributes:
        access_token (str | Unset): The access token you want to logout Example: eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiIxMzk5ZT
            I4YjczZjA4M2U0ZTQzMmZmYzUxOTc1YWFmYSIsIm5iZiI6MTc0MDk5MzE2NC45MjI4NzQyLCJqdGkiOiI2N2M1NzBkMTY0NWQ2YzJlYzU0YTlhYT
            YiLCJzdWIiOiI2NzZhOTUwYmY2OGRjMTE4Zjc3ZWNjMmEiLCJzY29wZXMiOlsiYXBpX3JlYWQiLCJhcGlfd3JpdGUiXSwidmVyc2lvbiI6Mn0.zV
            FZWfs3wz25844GjtZh41x9J4-8r_-xJRppJr2ehsadQ.
        account_id (str | Unset):  Example: 676a950bf68dehye3u9120.
        status_code (float | Unset):  Example: 1.
        status_message (str | Unset):  Example: Success..
        success (bool | Unset):  Example: True.
    """

    access_token: str | Unset = UNSET
    account_id: str | Unset = UNSET
    status_code: float | Unset = UNSET
    status_message: str | Unset = UNSET
    success: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def __repr__(self) -> str:
        return _model_repr(self)

    def to_dict(self) -> dict[str, Any]:
        access_token = self.access_token

        account_id = self.account_id

        status_code = self.status_code

        status_message = self.status_message

        success = self.success

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if access_token is not UNSET:
            field_dict["access_token"] = access_token
        if account_id is not UNSET:
            field_dict["account_id"] = account_id
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
        access_token = d.pop("access_token", UNSET)

        account_id = d.pop("account_id", UNSET)

        status_code = d.pop("status_code", UNSET)

        status_message = d.pop("status_message", UNSET)

        success = d.pop("success", UNSET)

        create_an_access_token_response_200 = cls(
            access_token=access_token,
            account_id=account_id,
            status_code=status_code,
            status_message=status_message,
            success=success,
        )

        create_an_access_token_response_200.additional_properties = d
        return create_an_access_token_response_200

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
