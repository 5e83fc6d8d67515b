"""Every category of the signal list has items (issue 17 item 11): the categories the national meldcode adds beside
the school's Bijlage 1 — witnessing domestic violence, female genital mutilation, honour-related violence — carry
items from the national signal lists, offered as choices (their Dutch: ``tests/test_translations.py``)."""

import pytest

from cases import signal_list


@pytest.mark.parametrize("code", [code for code, _label in signal_list.CATEGORIES])
def test_every_category_has_items(code):
    assert len(signal_list.ITEMS[code]) >= 3
    assert all(f"{code}.{item}" in signal_list.ITEM_CODES for item, _text in signal_list.ITEMS[code])


@pytest.mark.parametrize("code", ["witnessing", "fgm", "honour"])
def test_the_added_categories_are_offered_as_choices(code):
    label = dict(signal_list.CATEGORIES)[code]
    offered = {str(group): [value for value, _text in items] for group, items in signal_list.ITEM_CHOICES}
    assert offered[str(label)] == [f"{code}.{item}" for item, _text in signal_list.ITEMS[code]]
