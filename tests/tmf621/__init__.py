"""Tests of the TMF621 Trouble Ticket supplier package (issue 12)."""
