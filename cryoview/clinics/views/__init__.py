"""The clinics' pages, one module per capability (see services); urls.py wires them."""
