from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, _model_repr

T = TypeVar("T", bound="AuthenticationCreateSessionFromV4TokenResponse200")


@_attrs_define
class AuthenticationCreateSessionFromV4TokenResponse200:
    """
    Attributes:
        success (bool | Unset):  Default: True. Example: True.
        session_id (str | Unset):  Example: 2629f70fb498edc263a0adb99118ac41f0053e8c.
    """

    success: bool | Unset = True
    session_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def __repr__(self) -> str:
        return _model_repr(self)

    def to_dict(self) -> dict[str, Any]:
        success = self.success

        session_id = self.session_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if success is not UNSET:
            field_dict["success"] = success
        if session_id is not UNSET:
            field_dict["session_id"] = session_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        success = d.pop("success", UNSET)

        session_id = d.pop("session_id", UNSET)

        authentication_create_session_from_v4_token_response_200 = cls(
            success=success,
            session_id=session_id,
        )

        authentication_create_session_from_v4_token_response_200.additional_properties = d
        return authentication_create_session_from_v4_token_response_200

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
