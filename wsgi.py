"""WSGI entry point: `gunicorn wsgi:app`."""

from ngowg_directory import create_app

app = create_app()
