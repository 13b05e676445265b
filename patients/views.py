"""Staff views for patients."""
