"""Cases: reference numbers, complainants, deadlines and the audit log of who did what and why."""
