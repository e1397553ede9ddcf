"""Development tools: what `make run` and `make bench` need and production never does.

- Demo data (`demo`, `demo_history`, `demo_supplier`, and for the second supplier, which speaks
  TMF621, `demo_tmf` and `demo_tmf_supplier`; `manage.py load_demo`): two simulator partners,
  their SLA policies, one user per role and faults with a past, made through the services.
- The demo PKI (`pki`; `manage.py demo_pki`): a local CA and the certificates the supplier
  simulator, the demo partner and the tests use for mutual TLS.
- Benchmarks (`bench`; `manage.py bench_ingest`, `bench_ui`, `bench_tmfapi`, `bench_broker`):
  `make bench`.

The dependency points one way: this app imports the domain (`faults`, `appointments`) and the
spine (`integrations`); they never import it (tests/project/test_devtools_boundary.py).
"""
