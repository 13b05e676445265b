"""Every write to sessions goes through these modules; views, admin and commands call them.

booking  - book, reschedule, cancel, no-show, check in
phases   - start, advance through preparation -> medication -> integration -> completed, discharge
clinical - vitals, doses, dose decisions, notes and addenda, adverse events, REMS forms
"""
