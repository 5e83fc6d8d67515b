"""Dates in the Dutch interface, in words: "14 december 2026", "14 december 2026 09:30" (never "14 Dec 2026").
Django's own Dutch formats give the rest (the input formats, the separators); see settings.FORMAT_MODULE_PATH."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
SHORT_DATE_FORMAT = "j-n-Y"
SHORT_DATETIME_FORMAT = "j-n-Y H:i"
