"""FastAPI application: review workbench, JSON API and public endpoints."""
