"""Read the emulator's approval page as a browser would: its form, hidden fields and buttons."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    method: str = ""
    action: str = ""
    hidden: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (name, value)

    def submission(self, button_id: str) -> dict[str, str]:
        """The fields a browser sends when the button `button_id` is clicked."""
        name, value = self.buttons[button_id]
        return {**self.hidden, name: value}


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append(Form(values.get("method", "get").lower(), values.get("action", "")))
        elif tag == "input" and values.get("type") == "hidden" and self.forms:
            self.forms[-1].hidden[values["name"]] = values.get("value", "")
        elif tag == "button" and self.forms:
            self.forms[-1].buttons[values.get("id", "")] = (values.get("name", ""), values.get("value", ""))


def the_form(html: str) -> Form:
    """The one form on `html` (fails when there is none or several)."""
    parser = _FormParser()
    parser.feed(html)
    (form,) = parser.forms
    return form
