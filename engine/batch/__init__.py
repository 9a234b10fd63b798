"""Many submissions at once: run (inputs, workers, atomic placement of scoresheets)."""
