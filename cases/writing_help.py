"""The writing help: while a member of staff writes a signal (or a consultation, or the notes of a conversation with
the parents), point out what is not an observation, and the names of other people.

The school's meldcode asks for factual writing: what you saw and heard, not what you make of it; others by their
initials. Two kinds of hint, never a refusal (saving is always possible):

- **interpretations, diagnoses, assumptions, judgements and filled-in feelings** ("mishandeld", "ADHD", "ik denk",
  "lijkt", "agressief", "bang"): the Dutch word lists of ``cases/data/writing_help.toml`` (``terms``), each with a
  tip saying what to write instead. Matched as whole words — a ``*`` at the end of a listed word takes any ending
  ("mishandel*": mishandeld, mishandeling) —, phrases over spaces and line breaks ("ik\\ndenk"), case and accents
  ignored. Not pointed out: words between quotation marks (the literal words of the child or of a parent are a fact,
  domain.md §9.2), words in a sentence that reports what someone said ("Moeder vertelde dat ze depressief is": what
  was heard), and all of a text that is the child's own words (a signal of that kind, ``verbatim``).
- **names of other people the school knows**: its pupils other than the case's own, their parents, carers and
  household, and its staff — found by the one matcher of the school's names (``schools.names.NameIndex``, also used
  by the parent extract's name check), with the initials to write instead (``schools.names.initials_for``). The
  index is the school's own: the names of another school never come into it. A hint says only that the words are
  the name of someone the school knows, not whose name or what role the person has.

Two ways a hint reaches the writer: while typing (htmx posts the text to ``views_writing_help``, which answers with
``templates/cases/_writing_help.html`` under the field), and without JavaScript after saving, as warnings on the next
page (``warn_saved``). A form offers the help on the fields of ``FIELDS`` through ``attach``.
"""

import json
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from schools.names import Kind as NameKind
from schools.names import NameIndex, fold, initials_for, tokens

DATA_FILE = Path(__file__).resolve().parent / "data" / "writing_help.toml"

# The kinds of hint: the categories ("soort") of the data file, and names.
CATEGORIES = {
    "interpretatie": "interpretation",
    "diagnose": "diagnosis",
    "aanname": "assumption",
    "oordeel": "judgement",
    "gevoel": "feeling",
}
NAME = "name"

MESSAGES = {
    "interpretation": _("a conclusion, not an observation. Write what you saw or heard that made you think so."),
    "diagnosis": _(
        "a diagnosis, which only a professional can make. Describe the behaviour you saw; a professional's "
        "diagnosis is recorded with who made it."
    ),
    "assumption": _(
        "a guess or an assumption. Write what you saw or heard; if it is a suspicion, say so, and whose it is."
    ),
    "judgement": _("a judgement about a person. Describe the behaviour itself."),
    "feeling": _("fills in what someone feels. Describe what you saw them do or heard them say."),
}

# The free texts that get the writing help, per kind of record (the key of ``records.KINDS`` / ``views.ENTRY_KINDS``).
FIELDS: dict[str, tuple[str, ...]] = {
    "signal": ("situation", "description", "situations", "development_relation"),
    "consultation": ("question", "advice"),
    "conversation": ("reaction", "explanation", "report"),
}

# Words that report what someone said: the rest of their sentence is what was heard, not an interpretation.
SPEECH_WORDS = frozenset(
    [
        "zei",
        "zeiden",
        "zegt",
        "zeggen",
        "gezegd",
        "vertelde",
        "vertelden",
        "vertelt",
        "vertellen",
        "verteld",
        "noemde",
        "noemden",
        "noemt",
        "antwoordde",
        "antwoordt",
        "riep",
        "riepen",
        "roept",
        "schreeuwde",
        "fluisterde",
        "vraagt",
        "vroegen",
        "meldde",
        "meldt",
        "gemeld",
        "aangegeven",
        "beweerde",
        "beweert",
        "verklaarde",
        "verklaart",
        "schreef",
        "schrijft",
        "appte",
        "mailde",
    ]
)

# Text between quotation marks: straight or typographic, double or single (not the apostrophe of "'s ochtends",
# "zo'n" or "Thomas'").
_QUOTED = re.compile(
    r"""
      "[^"]+"
    | “[^”]+”
    | „[^”“"]+[”“"]
    | «[^»]+»
    | ‘(?:[^’]|’(?=\w))+’(?!\w)
    | (?<![\w'])'(?![sStTnN]\b)(?:[^'\n]|'(?=\w))+'(?!\w)
    """,
    re.VERBOSE,
)
_SENTENCE_END = re.compile(r"[.!?;\n]")
# What may stand between the words of a listed phrase: spaces, line breaks, a hyphen ("burn-out").
_PHRASE_GAP = re.compile(r"[\s\-]+")


# --- The word lists ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # folded; the last may end in "*" (any ending)
    kind: str  # one of CATEGORIES' values
    tip: str  # Dutch, what to write instead ("" if none)
    listed: str  # as in the data file

    def matches(self, found: list[tuple[str, int, int]], i: int, text: str) -> bool:
        n = len(self.words)
        if i + n > len(found):
            return False
        for j, word in enumerate(self.words):
            token = found[i + j][0]
            if not (token.startswith(word[:-1]) if word.endswith("*") else token == word):
                return False
            if j and not _PHRASE_GAP.fullmatch(text[found[i + j - 1][2] : found[i + j][1]]):
                return False
        return True


def parse_terms(data: dict, *, source: str = "") -> list[Term]:
    """The terms of a parsed data file; a clear error for anything the file gets wrong."""
    result = []
    for number, entry in enumerate(data.get("term", []), start=1):
        where = f"{source} [[term]] {number}"
        category = entry.get("soort")
        if category not in CATEGORIES:
            raise ImproperlyConfigured(f"{where}: soort {category!r} is not one of {', '.join(CATEGORIES)}")
        listed = entry.get("woorden")
        if not listed or not all(isinstance(w, str) and w.strip() for w in listed):
            raise ImproperlyConfigured(f"{where}: woorden must be a list of words")
        unknown = set(entry) - {"soort", "woorden", "tip"}
        if unknown:
            raise ImproperlyConfigured(f"{where}: unknown keys {', '.join(sorted(unknown))}")
        for phrase in listed:
            star = phrase.rstrip().endswith("*")
            words = [w for w, _s, _e in tokens(phrase)]
            if not words or "*" in phrase.rstrip()[:-1] or (star and len(words[-1]) < 4):
                raise ImproperlyConfigured(f"{where}: {phrase!r} (a * only at the end, after at least four letters)")
            if star:
                words[-1] += "*"
            result.append(Term(tuple(words), CATEGORIES[category], entry.get("tip", "").strip(), phrase))
    return result


@cache
def terms() -> tuple[Term, ...]:
    """The terms of ``DATA_FILE``, read once per process."""
    with DATA_FILE.open("rb") as handle:
        return tuple(parse_terms(tomllib.load(handle), source=DATA_FILE.name))


@cache
def _by_first_word() -> tuple[dict[str, list[Term]], list[Term]]:
    exact: dict[str, list[Term]] = {}
    stems: list[Term] = []
    for term in terms():
        if term.words[0].endswith("*"):
            stems.append(term)
        else:
            exact.setdefault(term.words[0], []).append(term)
    return exact, stems


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    text: str
    term: Term


def find_terms(text: str) -> list[Found]:
    """Every listed word or phrase in ``text`` (the longest at each place), sorted, not overlapping; including
    those between quotes or in reported speech (``hints`` leaves those out)."""
    exact, stems = _by_first_word()
    found = tokens(text)
    result = []
    i = 0
    while i < len(found):
        word = found[i][0]
        candidates = exact.get(word, []) + [t for t in stems if word.startswith(t.words[0][:-1])]
        matching = [t for t in candidates if t.matches(found, i, text)]
        if not matching:
            i += 1
            continue
        term = max(matching, key=lambda t: len(t.words))
        start, end = found[i][1], found[i + len(term.words) - 1][2]
        result.append(Found(start, end, text[start:end], term))
        i += len(term.words)
    return result


def quoted_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _QUOTED.finditer(text)]


def in_reported_speech(text: str, start: int, quotes: list[tuple[int, int]] = ()) -> bool:
    """Is ``start`` in a sentence after a word that reports what someone said ("Moeder vertelde dat ...")? Not
    once a quotation after that word has closed ("Hij zei 'nee' en was agressief": the quote was what he said)."""
    sentence_start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    said = [s + sentence_start for word, s, _e in tokens(text[sentence_start:start]) if word in SPEECH_WORDS]
    if not said:
        return False
    return not any(said[-1] < a and b <= start for a, b in quotes)


# --- Hints ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hint:
    start: int
    end: int
    text: str  # the words as written
    kind: str  # "interpretation", "diagnosis", "assumption", "judgement", "feeling" or "name"
    message: str  # what is wrong with them and what to do (in the user's language)
    tip: str = ""  # an example of what to write instead (Dutch, from the data file)
    initials: str = ""  # for a name: the initials to write instead

    @property
    def words(self) -> str:
        """The words on one line (a name may be split over a line break)."""
        return " ".join(self.text.split())


def hints(text: str, *, names: NameIndex | None = None, verbatim: bool = False) -> list[Hint]:
    """The hints for ``text``, sorted by place: its listed words and phrases (none if the text is someone's
    ``verbatim`` words), and the names of ``names`` (the school's people, without the case's own family) except
    initials (initials are what the writer should write)."""
    result = []
    if not verbatim:
        quotes = quoted_spans(text)
        for found in find_terms(text):
            if any(a <= found.start and found.end <= b for a, b in quotes):
                continue
            if in_reported_speech(text, found.start, quotes):
                continue
            kind = found.term.kind
            result.append(Hint(found.start, found.end, found.text, kind, str(MESSAGES[kind]), found.term.tip))
    if names is not None:
        for hit in names.find_names(text):
            if hit.kind == NameKind.INITIALS:
                continue
            initials = initials_for(hit.text)
            if initials:
                message = gettext(
                    "the name of someone else the school knows. Write initials instead: %(initials)s."
                ) % {"initials": initials}
            else:
                message = gettext("the name of someone else the school knows. Write initials instead.")
            result.append(Hint(hit.start, hit.end, hit.text, NAME, message, initials=initials))
    return sorted(result, key=lambda h: (h.start, h.end))


def distinct(found: list[Hint]) -> list[Hint]:
    """The hints with each word or name once (the first place it is written)."""
    seen, result = set(), []
    for hint in found:
        key = (hint.kind, fold(hint.words))
        if key not in seen:
            seen.add(key)
            result.append(hint)
    return result


def name_index(school, *, exclude_pupils=()) -> NameIndex:
    """The names of ``school``'s people (one query), without ``exclude_pupils`` and their family."""
    return NameIndex.for_school(school, exclude_pupils=exclude_pupils)


# --- Forms ------------------------------------------------------------------------------------------------------

TRIGGER = "input changed delay:700ms"  # typing, pasting and dictating; after a pause


class WritingHelpTextarea(forms.Textarea):
    """A textarea that asks for hints while the user types (htmx posts its form to ``url`` with
    ``writing_help_field``) and shows them in a live region under it."""

    def __init__(self, attrs=None, *, url: str):
        super().__init__(attrs)
        self.url = url

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        region = f"{attrs.get('id') or 'id_' + name}_writing_help"
        attrs["aria-describedby"] = " ".join(filter(None, [attrs.get("aria-describedby"), region]))
        attrs.update(
            {
                "hx-post": self.url,
                "hx-trigger": TRIGGER,
                "hx-target": f"#{region}",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
                "hx-vals": json.dumps({"writing_help_field": name}),
            }
        )
        textarea = super().render(name, value, attrs, renderer)
        return format_html(
            '{}<div class="writing-help" id="{}" aria-live="polite" data-writing-help="{}"></div>',
            textarea,
            region,
            name,
        )


def attach(form: forms.BaseForm, url: str, kind: str = "signal") -> None:
    """Offer the writing help on ``form``'s free texts of ``FIELDS[kind]`` (those it has), asking ``url``."""
    for name in FIELDS.get(kind, ()):
        field = form.fields.get(name)
        if field is None or not isinstance(field.widget, forms.Textarea):
            continue
        widget = WritingHelpTextarea(attrs=dict(field.widget.attrs), url=url)
        widget.is_required = field.widget.is_required
        field.widget = widget


def texts_of(entry, kind: str) -> list[tuple[str, str, bool]]:
    """(field label, text, verbatim) of a saved entry's free texts that get the writing help."""
    result = []
    verbatim = kind == "signal" and getattr(entry, "kind", "") == "child_words"
    for name in FIELDS.get(kind, ()):
        value = getattr(entry, name, "") or ""
        if value.strip():
            label = entry._meta.get_field(name).verbose_name
            result.append((str(label), value, verbatim and name == "description"))
    return result


def warn_saved(request, entry, kind: str, *, school, exclude_pupils=()) -> list[Hint]:
    """After saving: the hints for the entry's texts as warnings on the next page (the same hints the page showed
    while typing; without JavaScript the first time they are seen). Never undoes anything. Returns the hints."""
    texts = texts_of(entry, kind)
    if not texts:
        return []
    index = name_index(school, exclude_pupils=exclude_pupils)
    every = []
    for label, value, verbatim in texts:
        found = distinct(hints(value, names=index, verbatim=verbatim))
        if not found:
            continue
        every.extend(found)
        parts = "; ".join(f"“{hint.words}”: {hint.message}" for hint in found)
        messages.warning(request, gettext("Writing help for “%(field)s”: %(hints)s") % {"field": label, "hints": parts})
    if every:
        messages.info(
            request,
            gettext(
                "What you saved is kept as it is. To change it, record a correction of the entry from the case page."
            ),
        )
    return every
