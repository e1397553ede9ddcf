"""Service credits: our count of a late repair's delay days (`count`, from the SLA clock and the
appointment history read by `history`), reconciled with the supplier's lateRepairNotification
(`reconcile`; a difference raises LATE_REPAIR_MISMATCH, `appointments.late_repair_rule`), and the
evidence a manager exports per supplier and month for a claim (`evidence`, `export`)."""
