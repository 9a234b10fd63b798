"""AssessmentResult → what a terminal or a program reads: json_out (JSON) · text (summary, full text)."""
