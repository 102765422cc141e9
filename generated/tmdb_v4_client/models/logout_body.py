from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, _model_repr

T = TypeVar("T", bound="LogoutBody")


@_attrs_define
class LogoutBody:
    """
    Attributes:
        access_token (str | Unset):  Example: eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiIxMzk5ZTI4YjczZjA4M2U0ZTQzMmZmYzUxOTc1YWFmY
            SIsIm5iZiI6MTc0MDk5MzE2NC45MjI4NzQyLCJqdGkiOiI2N2M1NzBkMTY0NWQ2YzJlYzU0YTlhYTYiLCJzdWIiOiI2NzZhOTUwYmY2OGRjMTE4Z
            jc3ZWNjMmEiLCJzY29wZXMiOlsiYXBpX3JlYWQiLCJhcGlfd3JpdGUiXSwidmVyc2lvbiI6Mn0.zVFZWfs3wz25844GjtZh41x9J4-
            8r_rtdvtFRRRe.
    """

    access_token: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def __repr__(self) -> str:
        return _model_repr(self)

    def to_dict(self) -> dict[str, Any]:
        access_token = self.access_token

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if access_token is not UNSET:
            field_dict["access_token"] = access_token

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        access_token = d.pop("access_token", UNSET)

        logout_body = cls(
            access_token=access_token,
        )

        logout_body.additional_properties = d
        return logout_body

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
