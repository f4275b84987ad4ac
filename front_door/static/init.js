// GOV.UK Frontend's components; every page works without it.
import { initAll } from "/assets/govuk/govuk-frontend.min.js";

initAll();
