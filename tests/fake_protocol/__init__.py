"""A small protocol package for the spine's contract tests: JSON over HTTP, one file per job
(`wire` the messages, `adapter` the outbound side and the applying, `endpoint` the inbound side,
`urls` its routes, `subscriber` its domain-event deliveries to partners, `package` its
registration). It is what a new protocol package looks like beside `integrations/cityfibre/`,
small enough to read in one sitting; nothing in the product imports it.

Protocol value "fake". Enabled, like any package, by listing "tests.fake_protocol" in
`settings.INTEGRATION_PACKAGES` (the contract tests' driver does, tests/spine/drivers/fake.py)."""

PROTOCOL = "fake"
