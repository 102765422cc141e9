from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import _model_repr

T = TypeVar("T", bound="AuthenticationCreateSessionFromV4TokenBody")


@_attrs_define
class AuthenticationCreateSessionFromV4TokenBody:
    """
    Attributes:
        raw_body (str):
    """

    raw_body: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def __repr__(self) -> str:
        return _model_repr(self)

    def to_dict(self) -> dict[str, Any]:
        raw_body = self.raw_body

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "RAW_BODY": raw_body,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        raw_body = d.pop("RAW_BODY")

        authentication_create_session_from_v4_token_body = cls(
            raw_body=raw_body,
        )

        authentication_create_session_from_v4_token_body.additional_properties = d
        return authentication_create_session_from_v4_token_body

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
