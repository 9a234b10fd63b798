"""The assessment round in the browser (`assess serve`): rounds, accounts, submissions, evidence, review.

It sits above the engine like the CLI: it scores through the same library functions (engine.api,
engine.batch, scoresheets), so what the web computes is what `assess` / `assess batch` compute."""
