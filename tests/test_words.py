"""The words of the Dutch catalogue (issue 17 item 10): a legal hold is not a "bewaarplicht" (a statutory duty to
keep records), the person responsible for a case is its "casushouder", a case is "afgesloten", step 2 is "collegiale
consultatie en/of advies Veilig Thuis", and what a child says is an "uitspraak", not an "onthulling"."""

from pathlib import Path

import pytest

TSV = Path(__file__).resolve().parent.parent / "locale" / "translations" / "nl.tsv"
GUIDE = Path(__file__).resolve().parent.parent / "guide" / "content"


def catalogue() -> dict[str, str]:
    rows = (line.split("\t", 1) for line in TSV.read_text(encoding="utf-8").splitlines() if "\t" in line)
    return {msgid: dutch for msgid, dutch in rows}


@pytest.mark.parametrize("word", ["bewaarplicht", "eigenaar", "sluiting", "onthulling", "Dossier sluiten"])
def test_the_wrong_words_are_gone(word):
    assert [m for m, nl in catalogue().items() if word.lower() in nl.lower().replace("afsluiting", "")] == []
    for page in GUIDE.glob("*.md"):
        assert word.lower() not in page.read_text(encoding="utf-8").lower().replace("afsluiting", ""), page.name


@pytest.mark.parametrize(
    "msgid,dutch",
    [
        ("legal hold", "bewaarblokkade (niet vernietigen, juridische bewaring)"),
        ("Owner", "Casushouder"),
        ("current owner", "huidige casushouder"),
        ("closing", "afsluiting"),
        ("Closing", "Afsluiting"),
        ("Close the case", "Dossier afsluiten"),
        ("step 2: consultation", "stap 2: collegiale consultatie en/of advies Veilig Thuis"),
        ("Duty of confidentiality and the right to report", "Beroepsgeheim en meldrecht"),
    ],
)
def test_the_right_words(msgid, dutch):
    assert catalogue()[msgid] == dutch


def test_the_beroepsgeheim_is_explained():
    assert "beroepsgeheim" in " ".join(catalogue().values())
