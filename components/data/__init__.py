"""Data layer: the database, the cache, the uploads bucket."""
