"""Output files: atomic (where output may go; temporary file, fsync, rename) · naming (safe, distinct names)."""
