"""Printed maps for cadres: a natural village's map sheet and atlases of them, as PDF.

`render` draws (no Flask, no database), `documents` gathers the data a user may
print and renders it, `views` and `cli` translate HTTP and the command line.
"""

from .render import atlas_pdf, village_pdf

__all__ = ["atlas_pdf", "village_pdf"]
