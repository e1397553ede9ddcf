"""Reports over faults for managers: the SLA dashboard's figures and their CSV export.

Every figure is computed by the database with grouped aggregates over indexed columns
(design §5: the SLA figures are stored per fault so that dashboards are queries, not loops).
"""
