"""Finding the names of people the school knows in free text: its pupils, their parents, carers and household, and
its staff — and the initials of its pupils.

One matcher for every place that needs it: the parent extract's check that no other person is named in it
(``dossier.names_check``), and the teacher's writing help (suggest initials instead of a full name).

Usage::

    index = NameIndex.for_school(school, exclude_pupils=case.pupil_list)  # one query
    for hit in index.find_names(text):
        hit.start, hit.end, hit.text, hit.kind, hit.person_label

``text[hit.start:hit.end] == hit.text``; hits are sorted and never overlap (the longest match wins).

What is matched (case-insensitive, accents ignored — José finds Jose and Anaïs finds Anais, also when typed with a
combining mark —, across line breaks and runs of spaces, a word hyphenated over a line break ("Wilder-\nvanck") as one
word, and with a possessive: Sem's, SEM'S, Sems, Wildervancks):

- a first name with a surname, in every form of the surname: "Daan van der Berg", "Daan v.d. Berg", "Daan v/d Berg",
  "Daan vd Berg", "Daan Berg"; and an initial with a surname: "D. van der Berg";
- a surname with its tussenvoegsel on its own: "Van der Berg", "v.d. Berg";
- a surname without tussenvoegsel on its own ("Wildervanck"), and a pupil's first name on its own ("Sem"): these
  single words are matched only when they are distinctive: a name that is also a common Dutch word ("Bakker",
  "Roos", "Berg") or has two letters or fewer is matched only when it is written with a capital;
- a staff member's first name on its own only after a title ("juf Femke", "meester Bas"): teachers are called by
  their first name, but a first name alone is too common among all the staff and parents to flag everywhere;
  parents' and carers' first names alone are not matched at all (they are called "moeder van ..." in a file);
- the initials of a pupil, in capitals: "S.W.", "S. W.", "S.W", "SW", "D.v.d.B." (the capitals are compared, so
  "D.v.d.B." is D. B.); initials with dots are flagged even when no pupil has them (they are someone's: a sibling,
  a neighbour's child), capitals without dots only when they are a pupil's; common abbreviations in school files
  ("IB", "VT", "GGD", "N.B.", ...) are never initials, and lower-case groups ("b.v.", "d.w.z.") are never initials.

``initials_for(hit.text)`` gives the initials to write instead of a full name as it was written ("Daan v.d. Berg's"
→ "D.v.d.B."), for the writing help; "" for a single word, whose initials the matcher does not know.

Not matched: nicknames and misspellings (a reviewer reads the text; the matcher proposes, a person decides), names
of people the school does not know, and — by design — the people given as ``exclude_pupils`` with their parents,
carers and household (for the parent extract: the child the file is about and its own family). A word that is the
name of an excluded person and of another person is not flagged: it most likely means the excluded one; a
first name with surname is still flagged when it is another person's full name.
"""

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    PUPIL = "pupil"
    GUARDIAN = "guardian"  # a parent or carer (``Guardian``)
    HOUSEHOLD = "household"  # a member of a pupil's household (``HouseholdMember``)
    STAFF = "staff"  # a user with a role at the school (``Membership``)
    INITIALS = "initials"  # the initials of a pupil


@dataclass(frozen=True)
class Person:
    kind: Kind
    first_name: str
    last_name: str
    owner: int = 0  # the pupil a guardian or household member belongs to; for a pupil, the pupil itself

    @property
    def label(self) -> str:
        return " ".join(p for p in (self.first_name.strip(), self.last_name.strip()) if p)


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    text: str
    kind: str
    person_label: str


# --- Normalising ------------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|[\u0300-\u036f])*")
# What may stand between two words of one name: spaces and line breaks, a hyphen, the dots of "v.d." or the slash of
# "v/d", an apostrophe.
_JOINABLE = re.compile(r"[\s\-./'’]+")
# A word broken off at the end of a line with a hyphen ("Wilder-\nvanck"): its two halves are one word when the
# second half starts with a small letter (a double surname's second part, "de Vries-\nOkafor", starts with a capital).
_HYPHENATED = re.compile(r"-[ \t]*\r?\n[ \t]*")
_TITLE_GAP = re.compile(r"\.?\s+")
_SPECIAL = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "æ": "ae", "œ": "oe", "ı": "i", "ĳ": "ij"})


def fold(text: str) -> str:
    """Lower case, accents removed: "Anaïs" → "anais", "JOSÉ" → "jose"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_SPECIAL))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return [fold(m.group()) for m in _TOKEN.finditer(text)]


def tokens(text: str) -> list[tuple[str, int, int]]:
    """The words of ``text`` as (folded word, start, end), a word hyphenated over a line break as one word."""
    result: list[tuple[str, int, int]] = []
    for match in _TOKEN.finditer(text):
        word, start, end = fold(match.group()), match.start(), match.end()
        if result and match.group()[0].islower() and _HYPHENATED.fullmatch(text[result[-1][2] : start]):
            previous = result.pop()
            word, start = previous[0] + word, previous[1]
        result.append((word, start, end))
    return result


def _listed(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Tussenvoegsels (and the foreign particles Dutch names carry), as words.
TUSSENVOEGSELS = _listed(
    "van de der den het t ter ten te in op s d la le du von vander da dos das del della di el al bin ben zu"
)
# Titles before a staff member's name.
TITLES = _listed("juf juffrouw meester meneer mevrouw mevr mw mevrouwtje dhr heer mr ms mej")

# Names that are also common Dutch words (or words of a school file): matched alone only when capitalised.
COMMON_WORDS = _listed(
    """
    bakker visser smit smid mulder boer bos bosch dijk berg brouwer kok koning groot klein wit zwart vos hoek meer beek
    haan jong graaf bruin veen wal laan kamp brink molen kuiper schipper timmerman schilder koster dekker snel goede vis
    valk mol kraai leeuw hertog post wolf kramer winter zomer lente herfst haas steen duin heuvel weg straat plein baan
    huis kerk school toren burg poort water zee land veld akker hof tuin boom eik linde bloem roos blad tak wortel groen
    rood geel blauw grijs lang kort rijk arm vrij goed mooi oud nieuw lief rust vrede knecht jager herder maas rijn kaas
    brood melk appel peer kers vink mees merel zwaan gans eend kip hert beer stier bok lam das uil arend reiger kraan
    man vrouw kind zoon dochter broer zus vader moeder ouder opa oma juf meester klas groep thuis dag week jaar tijd
    werk spel bal pauze fleur storm lot jade iris max job jet maan zon hemel ster amber jasmijn hazel madelief lieve kas
    noor hoop vos sterk stil blij wel ook dat wat die dit met niet naar maar dan toen hier daar waar alle veel
    winkel markt haven brug dam sluis kade gracht dorp stad zand klei bron vijver vlinder
    """
)
# Capitals that look like initials but are the abbreviations of a school file.
NOT_INITIALS = _listed(
    """
    IB VT AF GGD MDO CJG BSO KDV PSZ TSO LO MR OR JGZ ADHD ADD ASS PDD TV NL EU HAVO VWO VMBO PO VO SO SBO SO WMO AP AVG
    ICT GVO IQ ID KC CB NB PS AUB NVT BV NV VS OK CVB RVDK RVK BHV EHBO WA PC HB LVS OPP IEP TOS ODD CD GGZ ZAT WIJ
    WT LWOO PRO IKC VVE HGL OT OA VSO VN DM SMS APP KNO ADV HV IBER ZZP CAO
    """
)


def _split_surname(tokens: list[str]) -> tuple[list[str], list[str]]:
    """The tussenvoegsel and the core of a surname (as words): "van der Berg" → (van der), (berg)."""
    i = 0
    while i < len(tokens) - 1 and tokens[i] in TUSSENVOEGSELS:
        i += 1
    return tokens[:i], tokens[i:]


def _surname_forms(prefix: list[str], core: list[str]) -> list[tuple[str, ...]]:
    """Every way a surname is written with its tussenvoegsel: in full, abbreviated ("v.d.", "vd")."""
    if not core:
        return []
    forms = [tuple(core)]
    if prefix:
        forms.append(tuple(prefix + core))
        forms.append(tuple([p[0] for p in prefix] + core))
        if len(prefix) > 1:
            forms.append(("".join(p[0] for p in prefix), *core))
    return forms


@dataclass
class _Entry:
    people: list[Person] = field(default_factory=list)
    needs_capital: bool = False  # a single common word: only when capitalised
    needs_title: bool = False  # a staff member's first name alone: only after "juf", "meester", ...

    @property
    def kind(self) -> str:
        kinds = {p.kind for p in self.people}
        for kind in (Kind.PUPIL, Kind.STAFF, Kind.GUARDIAN, Kind.HOUSEHOLD):
            if kind in kinds:
                return kind
        return self.people[0].kind

    @property
    def label(self) -> str:
        return _label(self.people)


def _label(people: list[Person]) -> str:
    names = sorted({p.label for p in people})
    shown = ", ".join(names[:3])
    return shown + (f" (+{len(names) - 3})" if len(names) > 3 else "")


def _initials_key(first_tokens: list[str], core: list[str]) -> str:
    return (first_tokens[0][0] + core[0][0]).upper() if first_tokens and core else ""


class NameIndex:
    """The names to look for, built once (per request) from the people of a school."""

    def __init__(self, people: Iterable[Person], *, exclude: Iterable[Person] = ()):
        self._entries: dict[tuple[str, ...], _Entry] = {}
        self._initials: dict[str, list[Person]] = defaultdict(list)
        excluded_patterns: set[tuple[str, ...]] = set()
        excluded_initials: set[str] = set()
        for person in exclude:
            for pattern, _flags in self._patterns(person):
                excluded_patterns.add(pattern)
            if person.kind == Kind.PUPIL:
                excluded_initials.add(self._key(person))
        for person in people:
            for pattern, (needs_capital, needs_title) in self._patterns(person):
                if pattern in excluded_patterns:
                    continue
                entry = self._entries.setdefault(pattern, _Entry())
                if not entry.people:
                    entry.needs_capital, entry.needs_title = needs_capital, needs_title
                else:  # the same words name several people: the least strict rule applies
                    entry.needs_capital = entry.needs_capital and needs_capital
                    entry.needs_title = entry.needs_title and needs_title
                entry.people.append(person)
            if person.kind == Kind.PUPIL:
                key = self._key(person)
                if key and key not in excluded_initials and key not in NOT_INITIALS:
                    self._initials[key].append(person)
        self._excluded_initials = excluded_initials
        self._by_first: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for pattern in self._entries:
            self._by_first[pattern[0]].append(pattern)
        for patterns in self._by_first.values():
            patterns.sort(key=len, reverse=True)

    # -- building ------------------------------------------------------------------------------------------------

    @staticmethod
    def _key(person: Person) -> str:
        first = words(person.first_name)
        _prefix, core = _split_surname(words(person.last_name))
        return _initials_key(first, core)

    @staticmethod
    def _patterns(person: Person):
        """(words, (needs_capital, needs_title)) for every way ``person`` is named."""
        first = words(person.first_name)
        prefix, core = _split_surname(words(person.last_name))
        surnames = _surname_forms(prefix, core)
        for surname in surnames:
            if first:
                yield (*first, *surname), (False, False)
                yield (first[0][0], *surname), (True, False)  # "S. Wildervanck", never "s. wildervanck"
            if len(surname) > 1:  # with its tussenvoegsel: "Van der Berg", "v.d. Berg"
                yield surname, (False, False)
        if len(core) == 1 and len(core[0]) > 1:  # the surname alone: "Wildervanck"
            yield tuple(core), (core[0] in COMMON_WORDS or len(core[0]) <= 2, False)
        if first and person.kind == Kind.PUPIL:
            yield tuple(first), (len(first) == 1 and (first[0] in COMMON_WORDS or len(first[0]) <= 2), False)
        if first and person.kind == Kind.STAFF:
            yield tuple(first), (False, True)

    @classmethod
    def for_school(cls, school, *, exclude_pupils: Iterable = ()) -> "NameIndex":
        """The index of ``school``'s people, in one query: its pupils (also those who left), their parents and carers
        and household, and every user with a role at the school. ``exclude_pupils`` (pupils or their ids) and their
        parents, carers and household are left out of it."""
        from django.db.models import CharField, IntegerField, Value

        from schools.models import Guardian, HouseholdMember, Membership, Pupil

        excluded_ids = {getattr(p, "pk", p) for p in exclude_pupils}

        def tag(kind):
            return Value(str(kind), output_field=CharField())

        rows = (
            Pupil.objects.filter(school=school)
            .order_by()
            .annotate(k=tag(Kind.PUPIL), o=Value(0, output_field=IntegerField()))
            .values_list("k", "pk", "first_name", "last_name")
            .union(
                Guardian.objects.filter(pupil__school=school)
                .order_by()
                .annotate(k=tag(Kind.GUARDIAN), empty=Value("", output_field=CharField()))
                .values_list("k", "pupil_id", "name", "empty"),
                HouseholdMember.objects.filter(pupil__school=school)
                .order_by()
                .annotate(k=tag(Kind.HOUSEHOLD), empty=Value("", output_field=CharField()))
                .values_list("k", "pupil_id", "name", "empty"),
                Membership.objects.filter(school=school)
                .order_by()
                .annotate(k=tag(Kind.STAFF))
                .values_list("k", "user_id", "user__first_name", "user__last_name"),
                all=False,
            )
        )
        people, exclude = [], []
        for kind, owner, first, last in rows:
            kind = Kind(kind)
            if kind in (Kind.GUARDIAN, Kind.HOUSEHOLD):
                first, last = split_full_name(first)
            person = Person(kind, first, last, owner)
            if kind != Kind.STAFF and owner in excluded_ids:
                exclude.append(person)
            else:
                people.append(person)
        return cls(people, exclude=exclude)

    # -- finding -------------------------------------------------------------------------------------------------

    def find_names(self, text: str) -> list[Hit]:
        """The names and initials of the index's people in ``text``: sorted, not overlapping."""
        found_tokens = tokens(text)
        hits: list[Hit] = []
        i = 0
        while i < len(found_tokens):
            found = self._match_at(text, found_tokens, i)
            if found is None:
                i += 1
                continue
            length, entry = found
            start, end = found_tokens[i][1], found_tokens[i + length - 1][2]
            end = _possessive_end(text, end)
            hits.append(Hit(start, end, text[start:end], str(entry.kind), entry.label))
            i += length
        hits.extend(h for h in self._find_initials(text) if not any(_overlap(h, n) for n in hits))
        return sorted(hits, key=lambda h: h.start)

    def _match_at(self, text, tokens, i):
        word = tokens[i][0]
        candidates = self._by_first.get(word, [])
        if word.endswith("s") and len(word) > 3:  # a possessive of a one-word name: "Sems", "Wildervancks"
            candidates = candidates + [p for p in self._by_first.get(word[:-1], []) if len(p) == 1]
        for pattern in sorted(candidates, key=len, reverse=True):
            n = len(pattern)
            if i + n > len(tokens):
                continue
            if not all(
                tokens[i + j][0] == pattern[j] or (j == n - 1 and tokens[i + j][0] == pattern[j] + "s")
                for j in range(n)
            ):
                continue
            if not all(_JOINABLE.fullmatch(text[tokens[i + j][2] : tokens[i + j + 1][1]]) for j in range(n - 1)):
                continue
            entry = self._entries[pattern]
            if entry.needs_capital and not text[tokens[i][1]].isupper():
                continue
            if entry.needs_title and not (
                i > 0 and tokens[i - 1][0] in TITLES and _TITLE_GAP.fullmatch(text[tokens[i - 1][2] : tokens[i][1]])
            ):
                continue
            return n, entry
        return None

    def _find_initials(self, text: str) -> list[Hit]:
        hits = []
        for match in _INITIALS.finditer(text):
            span = match.group().rstrip()
            groups = re.findall(r"[A-Za-z]+", span)
            capitals = [g for g in groups if g.isupper()]
            dotted = "." in span
            if dotted:
                if len(capitals) < 2 or any(len(g) > 1 for g in capitals) or not groups[0].isupper():
                    continue
                keys = ["".join(capitals)] + ([capitals[0] + capitals[-1]] if len(capitals) > 2 else [])
            else:
                keys = [span]
            if any(k in NOT_INITIALS for k in keys):
                continue
            if any(k in self._excluded_initials for k in keys):
                continue  # the initials of the child the text is about
            people = [p for k in keys for p in self._initials.get(k, [])]
            if people or dotted:  # with dots, initials are someone's even when no pupil has them
                start = match.start()
                hits.append(Hit(start, start + len(span), span, str(Kind.INITIALS), _label(people)))
        return hits


# Initials: letters with dots ("S.W.", "S. W.", "S.W", "D.v.d.B."), or two or three capitals as a word ("SW").
_INITIALS = re.compile(
    r"(?<![\w.])(?:(?:[A-Za-z]{1,3}\.[ \t]?)+[A-Z](?![\w.])|(?:[A-Za-z]{1,3}\.[ \t]?){2,}|[A-Z]{2,3}(?![\w.'’]))"
)


def _possessive_end(text: str, end: int) -> int:
    """Include "'s" after a name ("Sem's") in its hit; an apostrophe alone after an s ("Thomas'") as well."""
    apostrophe, letter, after = text[end : end + 1], text[end + 1 : end + 2], text[end + 2 : end + 3]
    if apostrophe in ("'", "’") and letter in ("s", "S") and not after.isalpha():
        return end + 2
    if text[end - 1 : end] in "sS" and text[end : end + 1] in ("'", "’") and not text[end + 1 : end + 2].isalpha():
        return end + 1
    return end


def _overlap(a: Hit, b: Hit) -> bool:
    return a.start < b.end and b.start < a.end


def split_full_name(name: str) -> tuple[str, str]:
    """A full name as one text ("Karel van der Berg", "Mw. A. de Vries") split into first name and surname: the
    surname starts at the first tussenvoegsel after the first word, else it is the last word; titles are dropped
    and initials are not a first name."""
    parts = [p for p in re.split(r"\s+", name.strip()) if p]
    while parts and fold(parts[0]).strip(".") in TITLES:
        parts = parts[1:]
    if len(parts) <= 1:
        return "", " ".join(parts)
    cut = next((i for i in range(1, len(parts)) if fold(parts[i]) in TUSSENVOEGSELS), len(parts) - 1)
    first, last = parts[:cut], parts[cut:]
    if all(re.fullmatch(r"(?:[^\W\d_]\.)+", p) for p in first):
        first = []  # initials only ("A. de Vries")
    return " ".join(first), " ".join(last)


# Tussenvoegsels written as their initials run together: "vd", "vdr" (the letters of van, de, der, den, te, ter...).
_RUN_TOGETHER = re.compile(r"[vdt]{2,3}")


def initials_for(written: str) -> str:
    """The initials to write instead of a name as a text writes it — for a hit of ``NameIndex.find_names``:
    "Sem Wildervanck" → "S.W.", "Daan van der Berg" (or "Daan v.d. Berg", "Daan vd Berg", "D. van der Berg's") →
    "D.v.d.B.", "Thomas de Vries-Okafor" → "T.d.V.O.", "José Bakker" → "J.B." (capitals without accents, as the
    forms' initials fields take them). "" when the words are not a first name (or its initial) with a surname: a
    single word ("Sem", "Wildervanck") or a surname with its tussenvoegsel alone ("Van der Berg", "v.d. Berg"): the
    writer knows the initials; the matcher does not say whose name it is."""
    found = tokens(written)
    if len(found) > 1 and found[-1][0] == "s" and written[found[-1][1] - 1 : found[-1][1]] in ("'", "’"):
        found = found[:-1]  # a possessive: "Sem's"
    while found and found[0][0] in TITLES:
        found = found[1:]  # "juf Femke Brandsma"
    if len(found) < 2:
        return ""
    first_word, first_start, _end = found[0]
    lower = written[first_start].islower()
    if (first_word in TUSSENVOEGSELS and (lower or len(first_word) > 1)) or (lower and len(first_word) == 1):
        return ""  # "Van der Berg", "v.d. Berg" — but "D. van der Berg" starts with an initial
    if lower and _RUN_TOGETHER.fullmatch(first_word):
        return ""  # "vd Berg"
    letters = [first_word[0].upper()]
    for word, start, _end in found[1:]:
        if word in TUSSENVOEGSELS or (written[start].islower() and len(word) == 1):
            letters.append(word[0])  # "van der" → "v.d.", "v.d." → "v.d."
        elif written[start].islower() and _RUN_TOGETHER.fullmatch(word):
            letters.extend(word)  # "vd" → "v.d."
        else:
            letters.append(word[0].upper())
    return "".join(f"{letter}." for letter in letters)
