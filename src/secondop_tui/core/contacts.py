"""The address book: the doctors as vCards, and doctors added from an address book.

:func:`render_contacts` writes each doctor as a vCard 4.0 (RFC 6350): the name (shown
with the degree, which is also the name's suffix), the role as the title, the affiliation as the
organisation, the phone and fax, the address, the patient portal as the web site, and
the credentials with the notes in the note. ``vobject`` builds and reads the cards, and
escapes what the format needs escaped; control characters are shown as visible escapes
first.

:func:`read_contacts` reads what address books export: one card or many, vCard 3.0 and
4.0 (and 2.1), folded lines, quoted-printable values, grouped properties (Apple's
``item1.TEL``); photos, logos, sounds and keys are dropped unread. A file that cannot be
read whole raises :class:`ContactsError` with a message for the user, and nothing is
added. :func:`plan_import` says which cards become doctors and which are left out (a
doctor already in the workbook, by name and phone), and :func:`add_planned` adds them
all in one change. Never imports Textual.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secondop_tui import __version__
from secondop_tui.core.dates import show_date
from secondop_tui.core.doctors import (CREDENTIALS, ROLES, Doctor, add_doctor, list_doctors)
from secondop_tui.core.store import WorkbookStore
from secondop_tui.core.text import as_text, escape_controls, one_line

PRODUCT = f"-//secondop-tui//secondop-tui {__version__}//EN"
MAX_BYTES = 32 * 1024 * 1024  # an address book of many thousands of cards, without photos
# Words before a name that are a title, not part of it.
NAME_PREFIXES = {"dr", "dr.", "doctor", "prof", "prof.", "professor", "mr", "mr.", "mrs",
                 "mrs.", "ms", "ms.", "mx", "mx.", "sir", "dame"}
# Properties holding pictures, sounds or keys: dropped before the card is read (a
# broken photo must not stop an import, and the workbook keeps none).
_BINARY = re.compile(r"(?:[A-Za-z0-9-]+\.)?(?:PHOTO|LOGO|SOUND|KEY)[;:]", re.IGNORECASE)
_NAMESPACE = uuid.UUID("6f1b6c2e-3c1e-4c55-9a0c-2f0d3d6f0a11")


class ContactsError(ValueError):
    """The file cannot be read as contact cards; the message says why, for the user."""


# Writing ----------------------------------------------------------------------------------
def _safe(text: Any) -> str:
    """User text for a card: line ends as newlines, control characters as visible
    escapes (a card may not hold them); vobject escapes the rest."""
    return escape_controls(as_text(text).replace("\r\n", "\n").replace("\r", "\n"))


def _line(text: Any) -> str:
    return " ".join(one_line(as_text(text)).split())


def split_name(name: str) -> tuple[str, str, str]:
    """(prefix, given, family) guessed from a name as typed: ``Dr Ana María Ruiz`` is
    ("Dr", "Ana María", "Ruiz"). Address books sort by the family name."""
    words = name.split()
    prefix = []
    while len(words) > 1 and words[0].casefold() in NAME_PREFIXES:
        prefix.append(words.pop(0))
    if not words:
        return " ".join(prefix), "", ""
    return " ".join(prefix), " ".join(words[:-1]), words[-1]


def credential_lines(doctor: Doctor) -> list[str]:
    """The doctor's credentials in words, one fact a line, with whether each was checked
    and where (for the card's note)."""
    facts = {
        "board": [doctor.board, doctor.specialty, doctor.board_status],
        "training": [f"medical school {doctor.medical_school}" if doctor.medical_school
                     else "", f"residency {doctor.residency}" if doctor.residency else "",
                     f"fellowship {doctor.fellowship}" if doctor.fellowship else ""],
        "license": [doctor.license_state, doctor.license_status],
        "experience": [f"{doctor.years_in_practice} years in practice"
                       if doctor.years_in_practice else "",
                       f"{doctor.patients_per_year} patients a year with this cancer"
                       if doctor.patients_per_year else ""],
        "affiliation": [doctor.academic_appointment,
                        doctor.nci_designation if doctor.nci_designation not in ("", "none")
                        else "", "NCCN member" if doctor.nccn_member == "yes" else "",
                        f"clinical trials: {doctor.clinical_trials}"
                        if doctor.clinical_trials else "",
                        "tumor board" if doctor.tumor_board == "yes" else ""],
    }
    lines = []
    if doctor.disease_focus.strip():
        lines.append(f"Disease focus: {_line(doctor.disease_focus)}")
    for key, label in CREDENTIALS:
        given = [_line(p) for p in facts[key] if as_text(p).strip()]
        check = doctor.credential(key)
        if not given and not check.verified:
            continue
        how = "verified" if check.verified else "self-reported"
        where = ", ".join(p for p in (_line(check.source), f"checked {show_date(check.checked)}"
                                      if check.checked else "") if p)
        lines.append(f"{label}: " + ("; ".join(given) or "(no details)")
                     + f" ({how}" + (f", {where}" if where else "") + ")")
    return lines


_URL = re.compile(r"(?:https?://)?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                  r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+(?::\d+)?"
                  r"(?:/[A-Za-z0-9._~%!$&'()*+=:@/?#-]*)?")


def web_address(text: str) -> str | None:
    """A patient portal's address as a URL for a card (``https://`` added when it has
    none), or None when the text is not a plain web address (it goes in the note)."""
    text = text.strip()
    if not text or not _URL.fullmatch(text):
        return None
    return text if re.match(r"https?://", text, re.IGNORECASE) else f"https://{text}"


def card_note(doctor: Doctor) -> str:
    """The card's note: the credentials, the portal when it is no web address, then the
    doctor's notes."""
    lines = credential_lines(doctor)
    if doctor.portal.strip() and web_address(doctor.portal) is None:
        lines.append(f"Patient portal: {_line(doctor.portal)}")
    notes = as_text(doctor.notes).strip()
    if notes:
        lines += ([""] if lines else []) + [notes]
    return _safe("\n".join(lines))


def card_uid(stamp: str, doctor: Doctor) -> str:
    """The same UID for a doctor in every export of one workbook, so an address book
    updates the card it already has."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{stamp}/{doctor.doc_id}')}"


def doctor_card(doctor: Doctor, stamp: str = ""):
    """One doctor as a vobject vCard 4.0 component."""
    # deferred: start-up speed (loaded only on the path that uses it)
    import vobject

    card = vobject.vCard()
    card.add("version").value = "4.0"
    card.add("prodid").value = PRODUCT
    card.add("kind").value = "individual"
    card.add("uid").value = card_uid(stamp, doctor)
    name = _safe(_line(doctor.name)) or "(no name)"
    degree = _safe(_line(doctor.degree))
    # Shown as the contact's name: "Ana Ruiz, MD", as the app shows it.
    card.add("fn").value = f"{name}, {degree}" if degree else name
    prefix, given, family = split_name(name)
    card.add("n").value = vobject.vcard.Name(family=family, given=given, prefix=prefix,
                                             suffix=degree)
    if doctor.role.strip():
        card.add("title").value = _safe(_line(doctor.role))
    if doctor.affiliation.strip():
        card.add("org").value = [_safe(_line(doctor.affiliation))]
    for value, kinds in ((doctor.phone, ["work", "voice"]), (doctor.fax, ["work", "fax"])):
        if as_text(value).strip():
            tel = card.add("tel")
            tel.value = _safe(_line(value))
            tel.type_paramlist = kinds
    if doctor.location.strip():
        adr = card.add("adr")
        adr.value = vobject.vcard.Address(street=_safe(_line(doctor.location)))
        adr.type_param = "work"
    url = web_address(_line(doctor.portal))
    if url:
        card.add("url").value = url
    note = card_note(doctor)
    if note:
        card.add("note").value = note
    return card


def fold(card: str) -> str:
    """A serialized card with its lines folded at 75 octets, as RFC 6350 asks (vobject
    folds at 75 characters: a line of accented letters or emoji came out longer), never
    inside a character."""
    out = []
    for line in card.replace("\r\n ", "").split("\r\n"):
        data = line.encode("utf-8")
        room = 75
        while len(data) > room:
            cut = room
            while cut and (data[cut] & 0xC0) == 0x80:  # not inside a character
                cut -= 1
            out.append(data[:cut].decode("utf-8"))
            data = b" " + data[cut:]
        out.append(data.decode("utf-8"))
    return "\r\n".join(out)


def render_contacts(store: WorkbookStore, fmt: str = "vcard") -> str:
    """Every doctor as a vCard 4.0, in the order they were added (CRLF line ends)."""
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.ics import workbook_stamp

    stamp = workbook_stamp(store)
    return "".join(fold(doctor_card(d, stamp).serialize()) for d in list_doctors(store))


# Reading ----------------------------------------------------------------------------------
def _text(value: Any) -> str:
    """A vobject value (text, or a list of texts) as one text."""
    if isinstance(value, (list, tuple)):
        return " ".join(_text(v) for v in value if _text(v))
    if isinstance(value, bytes):
        return ""
    return as_text(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _types(line) -> set[str]:
    found = set()
    for raw in [*line.params.get("TYPE", []), *getattr(line, "singletonparams", [])]:
        found.update(part.strip().upper() for part in as_text(raw).split(",") if part.strip())
    return found


def _phone(line) -> str:
    value = _text(line.value)
    return value[4:] if value.lower().startswith("tel:") else value


def _role(title: str) -> str:
    """The role a card's title names (``Medical Oncologist, Chief`` is a medical
    oncologist), or ""."""
    folded = title.casefold()
    if folded in ROLES:
        return folded
    for role in sorted(ROLES, key=len, reverse=True):
        if role != "other" and role in folded:
            return role
    return ""


def _address(line) -> str:
    label = line.params.get("LABEL")
    if label:
        return _text(label)
    adr = line.value
    if isinstance(adr, str):
        return _text(adr)
    town = " ".join(p for p in (_text(adr.region), _text(adr.code)) if p)
    parts = [_text(adr.box), _text(adr.extended), _text(adr.street), _text(adr.city), town,
             _text(adr.country)]
    return ", ".join(p for p in parts if p)


def card_to_doctor(card) -> Doctor:
    """The doctor a vobject vCard describes. What the workbook has no field for (another
    phone, an e-mail address, a title that names no role) goes into the notes."""
    contents = card.contents
    first = {key: lines[0] for key, lines in contents.items() if lines}
    extras: list[str] = []
    n = first.get("n")
    prefix = given = family = degree = ""
    if n is not None and not isinstance(n.value, str):
        prefix, given, family = _text(n.value.prefix), _text(n.value.given), _text(
            n.value.family)
        additional = _text(n.value.additional)
        given = " ".join(p for p in (given, additional) if p)
        degree = _text(n.value.suffix)
    name = _text(first["fn"].value) if "fn" in first else ""
    if not name:
        name = " ".join(p for p in (prefix, given, family) if p)
    for joint in (", ", " "):  # the degree shown in the name too ("Ana Ruiz, MD")
        if degree and name.endswith(joint + degree) and len(name) > len(joint + degree):
            name = name[: -len(joint + degree)]
            break
    doctor = Doctor(name=name, degree=degree)
    title = _text(first["title"].value) if "title" in first else ""
    role_text = _text(first["role"].value) if "role" in first else ""
    doctor.role = _role(title) or _role(role_text)
    for label, text in (("Title", title), ("Role", role_text)):
        if text and text.casefold() != doctor.role:  # more than the role's name
            extras.append(f"{label}: {text}")
    if "org" in first:
        org = first["org"].value
        parts = org if isinstance(org, (list, tuple)) else [org]
        doctor.affiliation = ", ".join(p for p in (_text(v) for v in parts) if p)
    for line in contents.get("tel", []):
        number = _phone(line)
        if not number:
            continue
        kinds = _types(line)
        if "FAX" in kinds and not doctor.fax:
            doctor.fax = number
        elif "FAX" not in kinds and not doctor.phone:
            doctor.phone = number
        else:
            what = ", ".join(sorted(k.lower() for k in kinds - {"PREF", "VOICE"}))
            extras.append(f"Other {'fax' if 'FAX' in kinds else 'phone'}"
                          + (f" ({what})" if what else "") + f": {number}")
    addresses = [a for a in (_address(line) for line in contents.get("adr", [])) if a]
    if addresses:
        doctor.location = addresses[0]
        extras += [f"Other address: {a}" for a in addresses[1:]]
    # Google Contacts writes "https\\://": a colon escaped where nothing needs it.
    urls = [u.replace("\\:", ":") for u in (_text(line.value)
                                            for line in contents.get("url", [])) if u]
    if urls:
        doctor.portal = urls[0]
        extras += [f"Web site: {u}" for u in urls[1:]]
    extras += [f"Email: {e}" for e in (_text(line.value) for line in contents.get("email", []))
               if e]
    notes = [_text(line.value) for line in contents.get("note", [])]
    notes = [n for n in notes if n]
    if extras:
        notes.append("\n".join(extras))
    doctor.notes = "\n\n".join(notes)
    return doctor


def _physical_lines(text: str) -> list[tuple[int, str]]:
    """The file's lines with their numbers, less photos, logos, sounds and keys (with
    their folded continuation lines) and blank lines."""
    out: list[tuple[int, str]] = []
    skipping = False
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), 1):  # not splitlines():
        if skipping and line[:1] in (" ", "\t"):                      # U+2028 is text here
            continue
        skipping = bool(_BINARY.match(line))
        if skipping or not line.strip():
            continue
        out.append((number, line))
    return out


_CONTENT_LINE = re.compile(r'((?:[^:"]|"[^"]*")*):(.*)', re.DOTALL)
_STRUCTURED = {"N", "ADR", "ORG"}  # values whose ";" separate parts
_DROPPED_PARAMS = {"ENCODING=QUOTED-PRINTABLE", "QUOTED-PRINTABLE"}


def _escaped(text: str) -> str:
    """Text as a vCard 3.0 value escapes it."""
    return (text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
            .replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n"))


def _as_v3(line: str, version: str, source: str) -> str:
    """A logical line of a vCard 2.1 card, or a quoted-printable one, as vCard 3.0
    writes it: vCard 2.1 escapes no comma, and quoted-printable text escapes nothing,
    where vobject reads values as 3.0 does (a comma would cut the text short)."""
    match = _CONTENT_LINE.fullmatch(line)
    if match is None:
        return line  # not a property: vobject says what is wrong with it
    head, value = match.groups()
    params = head.split(";")
    name = params[0].split(".")[-1].upper()
    quoted = any(p.strip().upper() in _DROPPED_PARAMS for p in params[1:])
    if not quoted and version != "2.1":
        return line
    if quoted:
        # deferred: start-up speed (loaded only on the path that uses it)
        import quopri

        charset = next((p.split("=", 1)[1].strip('"') for p in params[1:]
                        if p.upper().startswith("CHARSET=")), "utf-8")
        try:
            value = quopri.decodestring(value.replace("=\n", "=\r\n").encode(
                "utf-8")).decode(charset, errors="replace")
        except LookupError:
            raise ContactsError(f"{source} names a character set no one knows "
                                f"({escape_controls(charset)[:40]}). Nothing was "
                                "added.") from None
    params = [params[0]] + [p for p in params[1:] if p.strip().upper() not in _DROPPED_PARAMS
                            and not (quoted and p.upper().startswith("CHARSET="))]
    if name in _STRUCTURED:
        parts = re.split(r"(?<!\\);", value)
        value = ";".join(_escaped(part.replace("\\;", ";")) for part in parts)
    else:
        value = _escaped(value)
    return ";".join(params) + ":" + value


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """The file's logical lines and the number of the line each starts on: folded
    lines joined, and a quoted-printable value's soft line breaks ("=" at the end of a
    line) kept for its decoding. Only a property that says it is quoted-printable is
    read so (vobject's own guess also joins lines whose text merely holds the word)."""
    lines: list[tuple[int, str]] = []
    soft_break = False
    for number, raw in _physical_lines(text):
        if soft_break:
            lines[-1] = (lines[-1][0], lines[-1][1] + "\n" + raw)
        elif raw[:1] in (" ", "\t") and lines:
            lines[-1] = (lines[-1][0], lines[-1][1] + raw[1:])
        else:
            lines.append((number, raw))
        last = lines[-1][1]
        soft_break = "QUOTED-PRINTABLE" in last.partition(":")[0].upper() and last.endswith("=")
    return lines


_NAME = re.compile(r"(?:[A-Za-z0-9-]+\.)?[A-Za-z0-9-]+")


def _normalised(text: str, source: str) -> str:
    """The file as vobject reads it best: one logical line a line, no photos, no blank
    lines, and the values of vCard 2.1 cards and quoted-printable lines escaped as
    vCard 3.0 escapes them. A line that is no property (NAME:value) raises
    :class:`ContactsError` with its number."""
    out = []
    version = ""
    for number, line in _logical_lines(text):
        match = _CONTENT_LINE.fullmatch(line)
        if match is None or not _NAME.fullmatch(match.group(1).split(";")[0]):
            shown = escape_controls(one_line(line))[:60]
            raise ContactsError(f"{source} is not a valid contacts file: line {number} is "
                                f"not a property of a card (NAME:value): '{shown}'. "
                                "Nothing was added.")
        upper = line.upper()
        if upper.startswith("BEGIN:VCARD"):
            version = ""
        elif upper.startswith("VERSION:"):
            version = line.split(":", 1)[1].strip()
        out.append(_as_v3(line, version, source))
    return "\r\n".join(out) + "\r\n"


def _decoded(data: bytes, source: str) -> str:
    if len(data) > MAX_BYTES:
        raise ContactsError(f"{source} is {len(data) // (1024 * 1024)} MB: too large to be "
                            "an address book export. Nothing was added.")
    if b"\x00" in data:
        raise ContactsError(f"{source} is not a contacts file (vCard, .vcf): it holds "
                            "binary data. Nothing was added.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ContactsError(f"{source} is not UTF-8 text (line {line}). Export the "
                            "contacts again as UTF-8 (vCard 3.0 or 4.0). Nothing was "
                            "added.") from None


def read_contacts_file(path: Path) -> list[Doctor | str]:
    """:func:`read_contacts` of the file at ``path``; :class:`ContactsError` says why
    when it is no file that can be read (a folder, missing, not a regular file)."""
    shown = escape_controls(str(path))
    if path.is_dir():
        raise ContactsError(f"{shown} is a folder: name a file in it. Nothing was added.")
    if not path.is_file():
        why = "There is no file" if not path.exists() else "Not a regular file:"
        raise ContactsError(f"{why} {shown}. Nothing was added.")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ContactsError(f"Cannot read {shown}: {error.strerror or error}. Nothing was "
                            "added.") from None
    return read_contacts(data, str(path))


def read_contacts(data: bytes, source: str = "the file") -> list[Doctor | str]:
    """Every card in ``data`` as a :class:`Doctor`, or, for a card with no name, a
    short reason it is left out. Raises :class:`ContactsError` for a file that cannot be
    read whole (nothing of it is returned)."""
    # deferred: start-up speed (loaded only on the path that uses it)
    import vobject
    from vobject.base import ParseError

    source = escape_controls(source)
    text = _normalised(_decoded(data, source), source)
    found: list[Doctor | str] = []
    try:
        for number, component in enumerate(
                vobject.readComponents(text), 1):
            if component.name != "VCARD":
                continue
            doctor = card_to_doctor(component)
            found.append(doctor if doctor.name.strip()
                         else f"card {number} has no name")
    except ParseError as error:  # the cards' structure: every line is a property
        reason = escape_controls(one_line(str(getattr(error, "msg", error))))[:200]
        raise ContactsError(f"{source} is not a valid contacts file ({reason}). "
                            "Nothing was added.") from None
    except (ValueError, LookupError, TypeError, AttributeError, IndexError) as error:
        reason = escape_controls(one_line(str(error)))[:200]
        raise ContactsError(f"{source} has a card that cannot be read ({reason}). "
                            "Nothing was added.") from None
    if not found:
        raise ContactsError(f"{source} holds no contact cards (BEGIN:VCARD … END:VCARD). "
                            "Nothing was added.")
    return found


# Importing --------------------------------------------------------------------------------
def name_key(name: str) -> str:
    """A name as compared for duplicates: no case, punctuation or title ("Dr")."""
    words = re.sub(r"[^\w\s]", " ", name.casefold()).split()
    while len(words) > 1 and (words[0] in NAME_PREFIXES or words[0] + "." in NAME_PREFIXES):
        words.pop(0)
    return " ".join(words)


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


def same_phone(a: str, b: str) -> bool | None:
    """Whether two phone numbers are the same (a country code before one is ignored);
    None when either has too few digits to tell."""
    a, b = _digits(a), _digits(b)
    if len(a) < 7 or len(b) < 7:
        return None
    return a.endswith(b) or b.endswith(a)


def is_duplicate(doctor: Doctor, other: Doctor) -> bool:
    """The same doctor: the same name, and no two different phone numbers."""
    return (name_key(doctor.name) == name_key(other.name)
            and same_phone(doctor.phone, other.phone) is not False)


@dataclass
class ImportPlan:
    """What an import will do: ``add`` these doctors, leave out ``skipped`` ((name,
    reason), reason in words)."""

    add: list[Doctor] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def describe(self) -> list[str]:
        """The plan in lines of safe text: who is added (with what is known of them),
        then who is left out and why."""
        lines = []
        if self.add:
            count = len(self.add)
            lines.append(f"{count} doctor{'s' if count != 1 else ''} to add:")
            for doctor in self.add:
                known = [_line(v) for v in (doctor.role, doctor.affiliation, doctor.phone)
                         if as_text(v).strip()]
                lines.append(f"  + {_line(doctor.display_name)}"
                             + (f" ({'; '.join(known)})" if known else ""))
        else:
            lines.append("No doctors to add.")
        if self.skipped:
            lines.append(f"Left out ({len(self.skipped)}):")
            lines += [f"  - {_line(name)}: {reason}" for name, reason in self.skipped]
        return lines


def plan_import(store: WorkbookStore, found: list[Doctor | str]) -> ImportPlan:
    """Which of the cards read become new doctors: not those already in the workbook
    (or earlier in the same file), nor cards with no name."""
    plan = ImportPlan()
    existing = list_doctors(store)
    for item in found:
        if isinstance(item, str):
            plan.skipped.append(("(no name)", item))
            continue
        known = next((d for d in existing + plan.add if is_duplicate(item, d)), None)
        if known is not None:
            where = "in the workbook" if known in existing else "earlier in the file"
            plan.skipped.append((item.display_name,
                                 f"already {where} as {_line(known.display_name)}"))
            continue
        plan.add.append(item)
    return plan


def add_planned(store: WorkbookStore, plan: ImportPlan) -> list[int]:
    """Add the plan's doctors; their new ids. The store announces each addition."""
    store.ensure_writable("This workbook is open read-only: no doctors can be added.")
    return [add_doctor(store, doctor) for doctor in plan.add]
