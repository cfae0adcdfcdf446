"""What the Doctors pane looks like at 80x24: the table, one doctor, the form."""

from __future__ import annotations

import pytest

from secondop_tui.core.doctors import CredentialCheck, Doctor, RecordSent, add_doctor
from secondop_tui.ui.app import SecondOpinionApp
from tests.helpers import settled, wait_until


@pytest.fixture
def doctors_app(store):
    add_doctor(store, Doctor(
        name="Dr Ana Ruiz", degree="MD", role="medical oncologist",
        disease_focus="HER2+ breast cancer", board="American Board of Internal Medicine",
        specialty="Medical Oncology", board_status="certified",
        affiliation="Lakeside Cancer Center", nci_designation="comprehensive cancer center",
        in_network="yes", status="appointment booked", appointment="2026-12-03T14:30",
        phone="(555) 010-0199", how_found="NCI center",
        credentials={"board": CredentialCheck("verified", "ABMS Certification Matters",
                                              "2026-11-19"),
                     "license": CredentialCheck("verified", "State medical board",
                                                "2026-11-19")},
        records={"pathology_report": RecordSent("receipt confirmed", {
            "sent": "2026-11-10", "receipt confirmed": "2026-11-12"}),
            "slides": RecordSent("sent", {"sent": "2026-11-16"})}))
    add_doctor(store, Doctor(name="Dr Ben Okafor", degree="DO", role="surgical oncologist",
                             affiliation="University Hospital", status="contacted",
                             in_network="no", how_found="insurer directory"))
    add_doctor(store, Doctor(name="Dr Chen Li", role="pathologist", status="candidate",
                             how_found="my doctor"))
    return SecondOpinionApp(store=store, watch_signals=False)


def test_doctors_table_snapshot(snap_compare, doctors_app):
    assert snap_compare(doctors_app, run_before=settled("3"), terminal_size=(80, 24))


def test_doctor_detail_snapshot(snap_compare, doctors_app):
    assert snap_compare(doctors_app, run_before=settled("3", "enter"), terminal_size=(80, 24))


def test_doctor_form_snapshot(snap_compare, doctors_app):
    async def open_form(pilot):
        await pilot.press("3", "e")
        await wait_until(pilot, lambda: getattr(pilot.app.screen, "complete", False),
                         "the form's lazily mounted lower part there")

    assert snap_compare(doctors_app, run_before=settled(then=open_form),
                        terminal_size=(80, 24))
