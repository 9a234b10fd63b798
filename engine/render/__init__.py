"""AssessmentResult → JSON or terminal text."""
