"""Cases: reference numbers, complainants, deadlines and what each decision changes."""
