from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, _model_repr

if TYPE_CHECKING:
    from ..models.account_lists_v4_response_200_results_item import (
        AccountListsV4Response200ResultsItem,
    )


T = TypeVar("T", bound="AccountListsV4Response200")


@_attrs_define
class AccountListsV4Response200:
    """
    Attributes:
        page (int | Unset):  Example: 1.
        results (list[AccountListsV4Response200ResultsItem] | Unset):
        total_pages (int | Unset):  Example: 1.
        total_results (int | Unset):  Example: 1.
    """

    page: int | Unset = UNSET
    results: list[AccountListsV4Response200ResultsItem] | Unset = UNSET
    total_pages: int | Unset = UNSET
    total_results: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def __repr__(self) -> str:
        return _model_repr(self)

    def to_dict(self) -> dict[str, Any]:
        page = self.page

        results: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.results, Unset):
            results = []
            for results_item_data in self.results:
                results_item = results_item_data.to_dict()
                results.append(results_item)

        total_pages = self.total_pages

        total_results = self.total_results

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if page is not UNSET:
            field_dict["page"] = page
        if results is not UNSET:
            field_dict["results"] = results
        if total_pages is not UNSET:
            field_dict["total_pages"] = total_pages
        if total_results is not UNSET:
            field_dict["total_results"] = total_results

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.account_lists_v4_response_200_results_item import (
            AccountListsV4Response200ResultsItem,
        )

        d = dict(src_dict)
        page = d.pop("page", UNSET)

        _results = d.pop("results", UNSET)
        results: list[AccountListsV4Response200ResultsItem] | Unset = UNSET
        if _results is not UNSET:
            results = []
            for results_item_data in _results:
                results_item = AccountListsV4Response200ResultsItem.from_dict(
                    results_item_data
                )

                results.append(results_item)

        total_pages = d.pop("total_pages", UNSET)

        total_results = d.pop("total_results", UNSET)

        account_lists_v4_response_200 = cls(
            page=page,
            results=results,
            total_pages=total_pages,
            total_results=total_results,
        )

        account_lists_v4_response_200.additional_properties = d
        return account_lists_v4_response_200

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
