"""Exception monitoring (seed 003): rules that catch what a supplier is not doing, the exceptions
they raise on faults, and the sweep that raises and auto-solves them. `rules` holds the
evaluators keyed by rule type, `models` the rules and exceptions, `services` the sweep and the
manual solve."""
