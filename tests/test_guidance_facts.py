"""The guidance's facts: checked sources, no unchecked address, plain words, own words.

Every section ends with the pages its facts were checked against; every web address in
the packaged content is on the list in ``assets/sources.json`` with the date it was
checked; each section reads at grade 8 or below; no run of eight words comes from the
article the project started from; the corrections of the fact review stay made; and the
register of facts (``docs/fact-check.md``) cites only checked addresses and real files.
"""

from __future__ import annotations

import json
import re
from datetime import date
from importlib.metadata import version
from pathlib import Path

import pytest
import textstat

from secondop_tui.core.content import NOT_ADVICE, assets_dir
from secondop_tui.core.guidance import (PROSE_KINDS, SOURCES_HEADING, load_guidance,
                                        load_sources, parse_section, render_guidance)
from tests.helpers import SOURCE_ARTICLE

# An address: http(s)://… or www.…, up to a space, quote or closing bracket; a full stop
# or comma after it ends the sentence, not the address.
ADDRESS = re.compile(r"(?:https?://|www\.)[^\s\"'<>()\]]+")
MAX_GRADE = 8.0


def addresses(text: str) -> set[str]:
    return {m.rstrip(".,;:") for m in ADDRESS.findall(text)}


def guidance_text() -> str:
    return "\n".join(s.plain_text() for s in load_guidance())


# Sources -------------------------------------------------------------------------------
def test_every_section_ends_with_its_checked_sources():
    known = load_sources()
    for section in load_guidance():
        kinds = [b.kind for b in section.blocks]
        assert "sources" in kinds, f"{section.id} names no source"
        first = kinds.index("sources")
        assert set(kinds[first + 1:]) == {"source"}, f"{section.id}: sources are not last"
        assert section.blocks[first].text == SOURCES_HEADING
        for block in section.blocks[first + 1:]:
            assert block.item_id in known, f"{section.id}: {block.item_id} is not checked"
            entry = known[block.item_id]
            assert entry.organisation in block.text and entry.title in block.text
            assert f"(checked {entry.checked})" in block.text


def test_the_list_of_sources_is_complete_and_dated():
    data = json.loads((assets_dir() / "sources.json").read_text(encoding="utf-8"))
    urls = [entry["url"] for entry in data["sources"]]
    assert len(urls) == len(set(urls)), "an address is listed twice"
    for entry in data["sources"]:
        assert entry["url"].startswith("https://"), entry["url"]
        assert entry["organisation"].strip() and entry["title"].strip(), entry
        checked = date.fromisoformat(entry["checked"])
        assert date(2026, 1, 1) <= checked <= date.today(), entry
    # Every listed source is used somewhere: the list is not a store of old addresses.
    used = {url for s in load_guidance() for url in s.source_urls}
    for path in _asset_files():
        used |= addresses(path.read_text(encoding="utf-8"))
    assert set(urls) <= used, sorted(set(urls) - used)


def _asset_files() -> list[Path]:
    folder = assets_dir()
    return [p for p in sorted(folder.rglob("*"))
            if p.is_file() and p.suffix in (".md", ".json", ".txt")
            and p.name != "sources.json"]


def test_every_address_in_the_assets_is_on_the_checked_list():
    known = set(load_sources())
    found: dict[str, set[str]] = {}
    for path in _asset_files():
        for address in addresses(path.read_text(encoding="utf-8")):
            found.setdefault(address, set()).add(path.name)
    assert found, "no addresses found: the pattern is broken"
    unchecked = {a: sorted(where) for a, where in found.items() if a not in known}
    assert not unchecked, f"add these to assets/sources.json once checked: {unchecked}"


def test_an_unlisted_address_is_caught_and_shown_as_not_checked():
    assert addresses("See www.example.org/x. Or https://example.com/a, then.") == {
        "www.example.org/x", "https://example.com/a"}
    section = parse_section("# T\n\nText.\n\n<!-- source: https://example.com/a -->\n",
                            1, "t", load_sources())
    assert section.blocks[-1].kind == "source"
    assert section.blocks[-1].text == "https://example.com/a (not checked)"


def test_no_pointer_to_the_retired_cancer_net_site():
    for path in _asset_files():
        text = path.read_text(encoding="utf-8").lower()
        for retired in ("www.cancer.net", "://cancer.net", "find an oncologist"):
            assert retired not in text, f"{path.name} still points to {retired}"


# Plain, calm and in our own words --------------------------------------------------------
def reading_text(section) -> str:
    """What a reader reads: each heading, paragraph and list item as its own sentence (a
    list item without a full stop still ends where it ends), addresses as two words."""
    parts = []
    for block in section.blocks:
        if block.kind not in PROSE_KINDS:
            continue
        text = ADDRESS.sub("the address", block.text.replace("**", "").replace("*", ""))
        text = text.strip()
        if text and text[-1] not in ".!?:":
            text += "."
        parts.append(text)
    return "\n".join(parts)


@pytest.mark.parametrize("section", load_guidance(), ids=lambda s: s.id)
def test_each_section_reads_at_grade_8_or_below(section):
    # Pinned: later versions download a word list while the tests run.
    assert version("textstat") == "0.7.4"
    grade = textstat.flesch_kincaid_grade(reading_text(section))
    assert grade <= MAX_GRADE, f"{section.id} reads at grade {grade}"


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


def test_no_run_of_eight_words_from_the_source_article():
    if not SOURCE_ARTICLE.is_file():
        pytest.skip("the source article is not beside this checkout")
    article = _words(SOURCE_ARTICLE.read_text(encoding="utf-8"))
    runs = {tuple(article[i:i + 8]) for i in range(len(article) - 7)}
    for section in load_guidance():
        words = _words(section.prose_text())
        shared = [" ".join(words[i:i + 8]) for i in range(len(words) - 7)
                  if tuple(words[i:i + 8]) in runs]
        assert not shared, f"{section.id} shares with the source article: {shared}"


def test_the_checker_finds_a_shared_run():
    article = _words("Asking for a second opinion is common practice in cancer care.")
    runs = {tuple(article[i:i + 8]) for i in range(len(article) - 7)}
    ours = _words("We think asking for a second opinion is common practice in cancer.")
    assert any(tuple(ours[i:i + 8]) in runs for i in range(len(ours) - 7))


def test_no_sentence_promises_the_answer():
    text = guidance_text()
    for reassuring in ("simply confirms", "The good news", "it will confirm"):
        assert reassuring not in text
    assert "change the diagnosis itself, or the treatment plan" in text


# The corrections of the fact review -------------------------------------------------------
def section(section_id: str) -> str:
    return next(s for s in load_guidance() if s.id == section_id).plain_text()


def test_slides_and_blocks_go_back_to_the_lab_never_to_the_patient():
    text = guidance_text()
    for wrong in ("returned to you", "come back to you", "back to you or"):
        assert wrong not in text
    assert "not handed to you" in section("records")
    assert "goes back to the first lab" in section("pathology-review")
    assert "go back to the lab they came from" in section("deciding")


def test_medicare_rule_is_stated_exactly():
    text = section("paying")
    for fact in ("Original Medicare", "Medicare Part B", "not an emergency",
                 "third opinion", "not a general right", "do not need a referral",
                 "must accept Medicare", "even if Medicare does not end up paying",
                 "20%", "Medicare Advantage"):
        assert fact in text, fact
    assert "Part B covers one when the first two differ" not in guidance_text()


def test_records_timing_and_the_portal():
    text = section("records")
    assert "within 30 days of getting your request" in text
    assert "one more 30-day extension, but only if it tells you in writing why" in text
    assert text.index("patient portal") < text.index("30 days")  # the portal first


def test_trials_network_and_where_each_credential_is_checked():
    assert "cooperative groups" not in section("finding-a-doctor").replace(
        '"cooperative groups"', "")
    assert "National Clinical Trials Network" in section("finding-a-doctor")
    assert "2014" in section("finding-a-doctor")
    text = section("checking-credentials")
    for fact in ("only the 24 boards", "American Osteopathic Association",
                 "state medical board", "DocInfo", "Federation of State Medical Boards"):
        assert fact in text, fact


def test_self_pay_rights_and_the_united_states_note():
    assert "Good Faith Estimate" in section("paying")
    assert "$400" in section("paying")
    note = section("what-it-is")
    assert "for the United States" in note and "If you live somewhere else" in note
    assert sum("If you live somewhere else" in s.plain_text() for s in load_guidance()) == 1


# The export ------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_the_export_has_every_section_with_its_sources(fmt):
    text = render_guidance(fmt)
    assert NOT_ADVICE in text.replace("\n", " ")
    sections = load_guidance()
    for s in sections:
        assert f"{s.number}. {s.title}" in text
    assert text.count(SOURCES_HEADING if fmt == "markdown" else SOURCES_HEADING.upper()) \
        == len(sections)
    assert text.count("(checked 2026-") >= len(sections)
    assert "<!--" not in text
    if fmt == "markdown":
        assert "### 1. What a second opinion is" in text and "**Pathology review.**" in text
    else:
        assert "**" not in text
        assert max(len(line) for line in text.splitlines() if "://" not in line) <= 80


def test_the_command_line_exports_the_guidance_on_its_own(data_dir, capsys):
    from secondop_tui.cli import main
    from secondop_tui.core.store import WorkbookStore

    WorkbookStore.open(data_dir).close()
    assert main(["--data-dir", str(data_dir), "export", "--only", "guidance"]) == 0
    out = capsys.readouterr().out
    assert out == render_guidance("text")
    assert main(["--data-dir", str(data_dir), "export"]) == 0
    assert SOURCES_HEADING.upper() not in capsys.readouterr().out  # not in the full export


# The register of facts ------------------------------------------------------------------
REGISTER = Path(__file__).resolve().parents[1] / "docs" / "fact-check.md"
SOURCE_KEY = re.compile(r"^[A-Z][A-Z0-9-]*$")


def _table_rows(text: str, heading: str) -> list[list[str]]:
    """The body rows of the first table after ``heading``, as lists of cell texts."""
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows[2:]]


def test_the_register_cites_only_checked_addresses_and_names_real_files():
    text = REGISTER.read_text(encoding="utf-8")
    known = set(load_sources())
    cited = addresses(text)
    assert cited, "the register cites no address: the pattern or the file is broken"
    assert cited <= known, f"add to assets/sources.json once checked: {sorted(cited - known)}"

    sources = _table_rows(text, "## Sources")
    keys = {row[0] for row in sources}
    assert len(keys) == len(sources), "a source key is listed twice"
    for key, _organisation, _title, url, _seen, checked in sources:
        assert SOURCE_KEY.match(key) and url in known, key
        assert date(2026, 1, 1) <= date.fromisoformat(checked) <= date.today(), key
    # Every checked address has its line in the register, so no source goes unrecorded.
    assert {row[3] for row in sources} == known, sorted(known ^ {row[3] for row in sources})

    root = REGISTER.parents[1]
    claims = _table_rows(text, "## Claims")
    assert len(claims) >= 50
    for path, _where, claim, source, checked, _change in claims:
        assert path.startswith("`assets/") and (root / path.strip("`")).is_file(), path
        assert claim, path
        date.fromisoformat(checked)
        if not source.startswith("("):  # "(general US fact; no page)" names no source
            for key in source.split(", "):
                assert key in keys, f"{path}: {key} is not in the register's sources"
    # Every packaged content file has at least one claim in the register.
    listed = {row[0].strip("`") for row in claims}
    for path in _asset_files():
        assert f"assets/{path.relative_to(assets_dir()).as_posix()}" in listed, path.name
