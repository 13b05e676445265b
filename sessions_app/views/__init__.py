"""Staff views for sessions, one module per screen: schedule, booking, run_sheet, board, notes."""
