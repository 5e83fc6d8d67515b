"""Dates in the English interface, in the same order as the Dutch ones, in English words: "14 December 2026"."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
