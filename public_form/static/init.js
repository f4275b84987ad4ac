// GOV.UK Frontend's components (character count, conditional reveals); the form works without it.
import { initAll } from "/assets/govuk/govuk-frontend.min.js";

initAll();
