"""Staff views for sessions."""
