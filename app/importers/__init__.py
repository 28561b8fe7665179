"""Imports: files in, checked, repaired, reprojected, and upserted in one transaction."""
