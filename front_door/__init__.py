"""The officers' front door: a signed-in web app of the product's own (FastAPI, server-rendered)
that shows the caseload, finds a child and shows a case, with the personal data Prefect must not
hold. Decisions are still made in the Prefect UI; the case page links to the waiting form."""
