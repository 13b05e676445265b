"""Forms for the sessions screens, one module per area."""
