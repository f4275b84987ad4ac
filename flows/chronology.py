"""The chronology bundle of a case, on request: run the `case-chronology` deployment with the
case reference. A court or legal services needs every event, decision, letter (with its checksum)
and notification in order; the PDF and CSV are linked from the run's artifact."""

from __future__ import annotations

from prefect import flow

from tasks.chronology import produce_chronology


@flow(name="case-chronology", description="A case's chronology as PDF and CSV.")
def case_chronology(reference: str) -> str:
    """Write the chronology of case `reference`; returns the PDF's path under chronology/."""
    return produce_chronology(reference).pdf_path
