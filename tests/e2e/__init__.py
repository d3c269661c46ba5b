"""Browser tests: the course in JupyterLab, driven by headless Chromium (see conftest.py)."""
