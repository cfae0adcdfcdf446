"""The address book: doctors out as vCard 4.0, doctors in from what address books export.

Every card written is read back by vobject and by a strict reader of RFC 6350 written
here (unfolding, the grammar of a content line, the escapes of text values), so a card
cannot pass because one library is lenient with itself. The files in
tests/data/contacts/ are written by hand in the forms Google Contacts, Apple Contacts,
Thunderbird, khard and an Android phone (vCard 2.1, quoted-printable) export; the
"broken-" ones must be refused whole, with a message, adding nothing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secondop_tui.core import contacts
from secondop_tui.core.doctors import CredentialCheck, Doctor, add_doctor, list_doctors
from secondop_tui.core.export import export
from secondop_tui.core.store import WorkbookStore
from tests.helpers import HOLDER, HOSTILE_PIECES
from tests.pty_terminal import Terminal

DATA = Path(__file__).parent / "data" / "contacts"
SRC = Path(__file__).resolve().parents[1] / "src"
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(
    filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))}
TEXT_FIELDS = ("name", "degree", "role", "affiliation", "phone", "fax", "location", "portal",
               "notes")

FULL = Doctor(
    name="Dr Ana María Ruiz", degree="MD, PhD", role="medical oncologist",
    disease_focus="breast cancer", board="American Board of Internal Medicine",
    specialty="Medical Oncology", board_status="certified", medical_school="Harvard",
    residency="MGH", fellowship="Dana-Farber", license_state="MA", license_status="active",
    years_in_practice="15", patients_per_year="200", affiliation="Dana-Farber; Boston, MA",
    academic_appointment="Associate Professor", nci_designation="comprehensive cancer center",
    nccn_member="yes", tumor_board="yes", phone="+1 (617) 555-0100", fax="617 555 0101",
    location="450 Brookline Ave, Boston MA 02215", portal="mychart.example.org/login",
    notes="Met at the tumor board;\nbring the slides \\ and the CD",
    credentials={"board": CredentialCheck("verified", "ABMS Certification Matters",
                                          "2026-11-03")})


def run(data_dir: Path, *args: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "secondop_tui", "--data-dir", str(data_dir),
                           *args], capture_output=True, text=True, timeout=120, env=ENV,
                          **options)


def names(data_dir: Path) -> list[str]:
    store = WorkbookStore.open(data_dir, read_only=True)
    try:
        return [d.name for d in list_doctors(store)]
    finally:
        store.close()


# A second reader: RFC 6350, strictly --------------------------------------------------------
_LINE = re.compile(r"(?:[A-Za-z0-9-]+\.)?([A-Za-z0-9-]+)"
                   r"((?:;[A-Za-z0-9-]+=(?:\"[^\"]*\"|[^\";:,]*)(?:,(?:\"[^\"]*\"|[^\";:,]*))*)*)"
                   r":(.*)")
_ESCAPE = re.compile(r"\\(.)")


def _unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        char = match.group(1)
        assert char in "\\,;nN", f"{match.group()!r} is no escape of RFC 6350"
        return "\n" if char in "nN" else char

    assert not re.search(r"(?<!\\)(?:\\\\)*\\$", text), f"a dangling backslash: {text!r}"
    return _ESCAPE.sub(one, text)


def _split(value: str, sep: str) -> list[str]:
    return re.split(rf"(?<!\\)((?:\\\\)*){sep}", value)[::2] if value else [""]


def strict_cards(text: str) -> list[dict[str, list[tuple[dict[str, str], object]]]]:
    """Every card of a vCard 4.0 file as {property: [(params, value)]}: text values
    unescaped, structured ones (N, ADR, ORG) as lists. Fails on anything RFC 6350 does
    not allow in what this app writes."""
    assert text.endswith("\r\n"), "the file must end with CRLF"
    physical = text[:-2].split("\r\n")
    for line in physical:
        assert "\n" not in line and "\r" not in line, f"a bare line end in {line!r}"
        assert len(line.encode("utf-8")) <= 75, f"a line longer than 75 octets: {line!r}"
        assert not re.search(r"[\x00-\x08\x0a-\x1f\x7f]", line), f"a control in {line!r}"
    logical: list[str] = []
    for line in physical:
        if line[:1] == " ":
            assert logical, "a continuation line first"
            logical[-1] += line[1:]
        else:
            logical.append(line)
    cards: list[dict[str, list[tuple[dict[str, str], object]]]] = []
    current: dict[str, list[tuple[dict[str, str], object]]] | None = None
    for line in logical:
        match = _LINE.fullmatch(line)
        assert match, f"not a content line: {line!r}"
        name, raw_params, value = match.group(1).upper(), match.group(2), match.group(3)
        params = dict(p.split("=", 1) for p in raw_params.split(";")[1:])
        if name == "BEGIN":
            assert current is None and value == "VCARD"
            current = {}
            continue
        if name == "END":
            assert current is not None and value == "VCARD"
            assert current["VERSION"][0][1] == "4.0" and "FN" in current
            cards.append(current)
            current = None
            continue
        assert current is not None, f"{line!r} outside a card"
        if name in ("N", "ADR", "ORG"):
            parsed: object = [_unescape(part) for part in _split(value, ";")]
        elif name in ("URL", "UID", "VERSION", "KIND"):
            assert "\\" not in value and " " not in value
            parsed = value
        else:
            parsed = _unescape(value)
        current.setdefault(name, []).append((params, parsed))
    assert current is None, "a card was never closed"
    return cards


def vobject_cards(text: str) -> list:
    import vobject

    return list(vobject.readComponents(text))


# Writing ------------------------------------------------------------------------------------
def test_a_doctor_goes_out_with_every_field(store):
    add_doctor(store, FULL)
    text = export(store, "contacts", "vcard")
    [card] = strict_cards(text)
    assert card["FN"][0][1] == "Dr Ana María Ruiz, MD, PhD"
    assert card["N"][0][1] == ["Ruiz", "Ana María", "", "Dr", "MD, PhD"]
    assert card["TITLE"][0][1] == "medical oncologist"
    assert card["ORG"][0][1] == ["Dana-Farber; Boston, MA"]
    phones = {p["TYPE"]: v for p, v in card["TEL"]}
    assert phones == {"work,voice": "+1 (617) 555-0100", "work,fax": "617 555 0101"}
    assert card["ADR"][0][1] == ["", "", "450 Brookline Ave, Boston MA 02215", "", "", "", ""]
    assert card["URL"][0][1] == "https://mychart.example.org/login"
    note = card["NOTE"][0][1]
    assert note.startswith("Disease focus: breast cancer\nBoard certification: American "
                           "Board of Internal Medicine; Medical Oncology; certified "
                           "(verified, ABMS Certification Matters, checked Tue 3 Nov 2026)")
    for fact in ("Training: medical school Harvard; residency MGH; fellowship Dana-Farber "
                 "(self-reported)", "License: MA; active (self-reported)",
                 "Experience: 15 years in practice; 200 patients a year",
                 "Affiliation: Associate Professor; comprehensive cancer center; NCCN "
                 "member; tumor board (self-reported)"):
        assert fact in note
    assert note.endswith("\n\nMet at the tumor board;\nbring the slides \\ and the CD")
    # The same card through vobject.
    [same] = vobject_cards(text)
    assert same.fn.value == "Dr Ana María Ruiz, MD, PhD" and same.note.value == note
    assert same.n.value.suffix == "MD, PhD" and same.org.value == ["Dana-Farber; Boston, MA"]


def test_the_uid_stays_the_same_from_one_export_to_the_next(store):
    add_doctor(store, Doctor(name="Dr A"))
    add_doctor(store, Doctor(name="Dr B"))
    uids = [c["UID"][0][1] for c in strict_cards(export(store, "contacts", "vcard"))]
    again = [c["UID"][0][1] for c in strict_cards(export(store, "contacts", "vcard"))]
    assert uids == again and len(set(uids)) == 2
    assert all(u.startswith("urn:uuid:") for u in uids)


def test_a_portal_that_is_no_web_address_goes_in_the_note(store):
    add_doctor(store, Doctor(name="Dr A", portal="ask the front desk, ext. 12"))
    [card] = strict_cards(export(store, "contacts", "vcard"))
    assert "URL" not in card
    assert card["NOTE"][0][1] == "Patient portal: ask the front desk, ext. 12"


# Reading what address books export ------------------------------------------------------
EXPECTED = {
    "google-contacts.vcf": [
        dict(name="Ana Ruiz", degree="MD", role="medical oncologist",
             affiliation="Dana-Farber Cancer Institute",
             location="450 Brookline Ave, Boston, MA 02215, US", phone="+1 617-555-0100",
             fax="+1 617-555-0101", portal="https://www.dana-farber.org",
             notes="Breast oncology, second floor.\n\nEmail: aruiz@example.org"),
        dict(name="Noor Haddad", phone="+1 617-555-0177"),
        "card 3 has no name"],
    "apple-contacts.vcf": [
        dict(name="Dr. Ben Brook", role="radiation oncologist",
             affiliation="Mass General Cancer Center",
             location="55 Fruit St, Boston, MA 02114, United States",
             phone="(617) 555-0200", fax="(617) 555-0201",
             portal="https://www.massgeneral.org/cancer-center",
             notes="Referred by Dr Ames. Ask the office for the tumor board date and whether "
                   "the slides must be sent before the visit.\n\nEmail: bbrook@example.org")],
    "thunderbird.vcf": [
        dict(name="Cleo Chen", role="pathologist", affiliation="Memorial Sloan Kettering",
             location="1275 York Ave, New York, NY 10065, USA", phone="+1 212 555 0300",
             fax="+1 212 555 0301", portal="https://www.mskcc.org",
             notes="Reviews slides within 10 days.\n\nEmail: cchen@example.org")],
    "khard.vcf": [
        dict(name="Dev Das", degree="MD, PhD", role="hematologist",
             affiliation="Dana-Farber Cancer Institute, Hematologic Oncology",
             location="450 Brookline Ave, Boston, MA 02215, USA", phone="+1-617-555-0400",
             notes="Myeloma clinic\nMondays and Thursdays\n\nEmail: ddas@example.org")],
    "android-quoted-printable.vcf": [
        dict(name="Dr Ève Eng", phone="+16175550500",
             notes="Second opinion on the pathology, sent in November.\nCall before 10 a.m.")],
}


def fields_of(doctor: Doctor) -> dict[str, str]:
    return {name: getattr(doctor, name) for name in TEXT_FIELDS if getattr(doctor, name)}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_what_each_address_book_exports_is_read(name: str):
    found = contacts.read_contacts((DATA / name).read_bytes(), name)
    assert [fields_of(d) if isinstance(d, Doctor) else d for d in found] == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_import_then_export_keeps_every_field(name: str, store):
    found = [d for d in contacts.read_contacts((DATA / name).read_bytes()) if
             isinstance(d, Doctor)]
    contacts.add_planned(store, contacts.plan_import(store, found))
    text = export(store, "contacts", "vcard")
    cards = strict_cards(text)
    assert len(cards) == len(vobject_cards(text)) == len(found)
    again = contacts.read_contacts(text.encode("utf-8"))
    assert [fields_of(d) for d in again] == [fields_of(d) for d in found]
    for card, doctor in zip(cards, found):
        assert card["FN"][0][1] == doctor.display_name
        assert card["N"][0][1][4] == doctor.degree
        assert card.get("NOTE", [({}, "")])[0][1] == doctor.notes


def test_photos_are_dropped_unread():
    found = contacts.read_contacts((DATA / "apple-contacts.vcf").read_bytes())
    assert "PHOTO" not in repr(found) and len(found) == 1
    broken = (DATA / "thunderbird.vcf").read_bytes().replace(
        b"END:VCARD", b"PHOTO;ENCODING=b;TYPE=JPEG:not base64 at all!!\r\n  x\r\nEND:VCARD")
    assert fields_of(contacts.read_contacts(broken)[0])["name"] == "Cleo Chen"


BROKEN = {
    "broken-truncated.vcf": "Component VCARD was never closed",
    "broken-line.vcf": "line 9 is not a property of a card (NAME:value): 'this line has",
    "broken-mismatched.vcf": "VCARD component wasn't closed",
    "broken-spreadsheet.vcf": "line 1 is not a property of a card",
    "broken-latin1.vcf": "is not UTF-8 text (line 3)",
    "broken-empty.vcf": "holds no contact cards",
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_file_is_refused_whole(name: str):
    with pytest.raises(contacts.ContactsError, match=re.escape(BROKEN[name])) as error:
        contacts.read_contacts((DATA / name).read_bytes(), name)
    assert str(error.value).endswith("Nothing was added.")


def test_binary_and_huge_files_are_refused(monkeypatch):
    with pytest.raises(contacts.ContactsError, match="binary data"):
        contacts.read_contacts(b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png")
    monkeypatch.setattr(contacts, "MAX_BYTES", 100)
    with pytest.raises(contacts.ContactsError, match="too large"):
        contacts.read_contacts((DATA / "khard.vcf").read_bytes(), "big.vcf")


# Duplicates -----------------------------------------------------------------------------------
def test_duplicates_are_left_out_by_name_and_phone(store):
    add_doctor(store, Doctor(name="Dr. Ana  RUIZ", phone="(617) 555-0100"))
    add_doctor(store, Doctor(name="Noor Haddad", phone="+44 20 7946 0000"))
    found = contacts.read_contacts((DATA / "google-contacts.vcf").read_bytes())
    found += contacts.read_contacts((DATA / "khard.vcf").read_bytes()) * 2
    plan = contacts.plan_import(store, found)
    # Ruiz: the same name and number (a country code before it); Haddad: another number,
    # so another person of that name; Das: twice in the file, added once.
    assert [d.name for d in plan.add] == ["Noor Haddad", "Dev Das"]
    assert plan.skipped == [
        ("Ana Ruiz, MD", "already in the workbook as Dr. Ana RUIZ"),
        ("(no name)", "card 3 has no name"),
        ("Dev Das, MD, PhD", "already earlier in the file as Dev Das, MD, PhD")]
    assert plan.describe()[0] == "2 doctors to add:"


# The command ---------------------------------------------------------------------------------
def test_the_command_adds_with_yes_and_skips_them_the_next_time(data_dir: Path):
    out = run(data_dir, "import", "contacts", str(DATA / "google-contacts.vcf"), "--yes")
    assert out.returncode == 0, out.stderr
    assert "2 doctors to add:" in out.stdout and "Added these 2 doctors." in out.stdout
    assert names(data_dir) == ["Ana Ruiz", "Noor Haddad"]
    again = run(data_dir, "import", "contacts", str(DATA / "google-contacts.vcf"), "--yes")
    assert again.returncode == 0 and "No doctors to add." in again.stdout
    assert "Ana Ruiz, MD: already in the workbook as Ana Ruiz, MD" in again.stdout
    assert names(data_dir) == ["Ana Ruiz", "Noor Haddad"]


def test_without_a_terminal_it_asks_for_yes_and_adds_nothing(data_dir: Path):
    out = run(data_dir, "import", "contacts", str(DATA / "khard.vcf"), stdin=subprocess.DEVNULL)
    assert out.returncode == 2
    assert "+ Dev Das, MD, PhD (hematologist; Dana-Farber" in out.stdout
    assert "add --yes" in out.stderr
    dry = run(data_dir, "import", "contacts", str(DATA / "khard.vcf"), "--dry-run")
    assert dry.returncode == 0 and "Nothing was added (--dry-run)." in dry.stdout
    assert not (data_dir / "workbook.json").exists() or names(data_dir) == []


@pytest.mark.parametrize("answer, added", [("y", ["Cleo Chen"]), ("n", [])])
def test_on_a_terminal_it_asks_first(data_dir: Path, answer: str, added: list[str]):
    WorkbookStore.open(data_dir).close()
    term = Terminal([sys.executable, "-m", "secondop_tui", "--data-dir", str(data_dir),
                     "import", "contacts", str(DATA / "thunderbird.vcf")],
                    env={"PYTHONPATH": ENV["PYTHONPATH"]})
    try:
        term.wait_for("+ Cleo Chen (pathologist; Memorial Sloan Kettering",
                      "Add this doctor to the workbook? [y/N]")
        term.send(answer, "enter")
        assert os.waitstatus_to_exitcode(term.wait_exit()) == 0
    finally:
        term.close()
    assert names(data_dir) == added


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_the_command_refuses_a_broken_file_and_adds_nothing(data_dir: Path, name: str):
    store = WorkbookStore.open(data_dir)
    add_doctor(store, Doctor(name="Dr Kept"))
    store.close()
    before = (data_dir / "workbook.json").read_bytes()
    out = run(data_dir, "import", "contacts", str(DATA / name), "--yes")
    assert out.returncode == 1
    assert BROKEN[name] in out.stderr and "Nothing was added." in out.stderr
    assert out.stdout == ""
    assert (data_dir / "workbook.json").read_bytes() == before


def test_the_command_waits_for_the_app_to_close(data_dir: Path):
    WorkbookStore.open(data_dir).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(data_dir)],
                              stdout=subprocess.PIPE, text=True, env=ENV)
    try:
        assert holder.stdout.readline().strip() == "HOLDING"
        out = run(data_dir, "import", "contacts", str(DATA / "khard.vcf"), "--yes")
    finally:
        holder.kill()
        holder.wait()
    assert out.returncode == 1 and "Close it first" in out.stderr
    assert "Nothing was added." in out.stderr
    assert names(data_dir) == []


def test_a_file_name_with_escapes_is_shown_safely(tmp_path: Path, data_dir: Path):
    hostile = tmp_path / "con\x1b]0;pwned\x07tacts.vcf"
    hostile.write_bytes((DATA / "khard.vcf").read_bytes())
    out = run(data_dir, "import", "contacts", str(hostile), "--dry-run")
    assert out.returncode == 0 and "\x1b" not in out.stdout + out.stderr
    assert "con\\e]0;pwned\\x07tacts.vcf" in out.stdout


# Hostile text ---------------------------------------------------------------------------------
hostile = st.lists(st.one_of(st.text(max_size=8), st.sampled_from(HOSTILE_PIECES)),
                   max_size=8).map("".join)


def card_text(doctor: Doctor) -> str:
    """One doctor's card as the export writes it (no workbook needed)."""
    stored = Doctor.from_dict(doctor.to_dict())  # as the workbook would give it back
    return contacts.fold(contacts.doctor_card(stored, "stamp").serialize())


@given(texts=st.fixed_dictionaries({name: hostile for name in
                                    ("name", "degree", "affiliation", "phone", "fax",
                                     "location", "portal", "notes", "board", "disease_focus")}))
def test_hostile_text_in_every_field_never_breaks_a_card(texts: dict[str, str]):
    text = card_text(Doctor(**texts, role="pathologist"))
    [card] = strict_cards(text)
    [same] = vobject_cards(text)
    assert card["FN"][0][1] == same.fn.value
    assert card.get("NOTE", [({}, "")])[0][1] == (same.note.value if "note" in
                                                  same.contents else "")
    assert card["TITLE"][0][1] == "pathologist"
    [doctor] = contacts.read_contacts(text.encode("utf-8"))
    assert doctor.display_name == card["FN"][0][1] or not doctor.degree.strip()
    # Read back and written again, the card says the same.
    second = strict_cards(card_text(doctor))[0]
    for key in ("FN", "N", "TITLE", "ORG", "TEL", "ADR", "URL", "NOTE"):
        assert [v for _, v in second.get(key, [])] == [v for _, v in card.get(key, [])], key


CARD_LINES = ["BEGIN:VCARD", "END:VCARD", "VERSION:2.1", "VERSION:3.0", "VERSION:4.0",
              "FN:Ana", "N:Ruiz;Ana;;Dr;MD", "TEL;TYPE=fax:1", "ADR:;;a;b;c;d;e",
              "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:a=", "=C3=A9", "ORG:a;b",
              "PHOTO;ENCODING=b:AAAA", " folded", "item1.URL:x", "TEL;CHARSET=nowhere;"
              "ENCODING=QUOTED-PRINTABLE:=41", "X-ABLabel:_$!<Main>!$_", "NOTE:\\", "N:",
              "ADR;LABEL=\"a:b\":;;x"]


@given(lines=st.lists(st.one_of(st.sampled_from(CARD_LINES), st.sampled_from(HOSTILE_PIECES),
                                st.text(max_size=10)), max_size=25),
       newline=st.sampled_from(["\r\n", "\n", "\r"]))
def test_any_file_is_read_or_refused_with_a_message(lines: list[str], newline: str):
    data = newline.join(lines).encode("utf-8", "replace")
    try:
        found = contacts.read_contacts(data, "contacts.vcf")
    except contacts.ContactsError as error:
        assert str(error).endswith("Nothing was added.")
        assert "\x1b" not in str(error)
        return
    for item in found:
        assert isinstance(item, str) or item.name.strip()
