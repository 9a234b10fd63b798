"""Writing output files: atomic replacement and safe names."""
