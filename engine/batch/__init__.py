"""Many submissions at once: one scoresheet each and the 汇总."""
