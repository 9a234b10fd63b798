"""Output files: atomic (temporary file, fsync, rename) · naming (safe, distinct names)."""
