"""Render stage: a ``Report`` to HTML (Jinja2), PDF (WeasyPrint) and XLSX (openpyxl)."""
