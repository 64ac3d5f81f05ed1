"""Time: what falls due when (reminders, escalations, the digest), and the daemon's schedule that keeps it."""
