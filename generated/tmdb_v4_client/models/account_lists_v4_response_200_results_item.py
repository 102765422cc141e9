from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, _model_repr

T = TypeVar("T", bound="AccountListsV4Response200ResultsItem")


@_attrs_define
class AccountListsV4Response200ResultsItem:
    """
    Attributes:
        id (int | Unset):  Example: 8500000.
        name (str | Unset):  Example: Watch later.
        public (bool | Unset):  Example: True.
        number_of_items (int | Unset):  Example: 3.
    """

    id: int | Unset = UNSET
    name: str | Unset = UNSET
    public: bool | Unset = UNSET
    number_of_items: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def __repr__(self) -> str:
        return _model_repr(self)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        public = self.public

        number_of_items = self.number_of_items

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if id is not UNSET:
            field_dict["id"] = id
        if name is not UNSET:
            field_dict["name"] = name
        if public is not UNSET:
            field_dict["public"] = public
        if number_of_items is not UNSET:
            field_dict["number_of_items"] = number_of_items

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id", UNSET)

        name = d.pop("name", UNSET)

        public = d.pop("public", UNSET)

        number_of_items = d.pop("number_of_items", UNSET)

        account_lists_v4_response_200_results_item = cls(
            id=id,
            name=name,
            public=public,
            number_of_items=number_of_items,
        )

        account_lists_v4_response_200_results_item.additional_properties = d
        return account_lists_v4_response_200_results_item

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
