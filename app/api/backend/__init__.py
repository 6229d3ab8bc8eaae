"""Reference workload: a small notes API with a background job worker."""
