"""What an HTML fragment is made of: its tags and attribute names, to check that hostile text in a
display stays text (no tag or attribute comes from the data)."""

from __future__ import annotations

from html.parser import HTMLParser

#: The tags and attributes of sdq's notebook displays (check tables, figure copies, the comparison
#: card): the tags that even nbconvert's sanitised HTML export (``--HTMLExporter.sanitize_html``)
#: keeps as tags (it shows others, ``<th>`` and ``<thead>`` among them, as text).
DISPLAY_TAGS = {"div", "span", "table", "tr", "td", "code"}
DISPLAY_ATTRIBUTES = {"style", "class", "title"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)

    def handle_data(self, data):
        self.text.append(data)


def parts(fragment: str) -> tuple[set[str], set[str], str]:
    """(tag names, attribute names, the text as a reader sees it) of an HTML fragment."""
    collector = _Collector()
    collector.feed(fragment)
    collector.close()
    return collector.tags, collector.attributes, "".join(collector.text)


def assert_display_html(fragment: str) -> str:
    """Assert a display is made only of sdq's own tags and attributes (so no script and nothing the
    data wrote); return its text."""
    __tracebackhide__ = True
    tags, attributes, text = parts(fragment)
    assert tags <= DISPLAY_TAGS, f"unexpected tags: {sorted(tags - DISPLAY_TAGS)}"
    assert attributes <= DISPLAY_ATTRIBUTES, f"unexpected attributes: {sorted(attributes - DISPLAY_ATTRIBUTES)}"
    return text
