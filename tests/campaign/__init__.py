"""The fault campaign (issue 12): SIGKILLs at every moment of a case, SSH faults, bad inputs, tampering.

Run it with `python -m tests.campaign.run_campaign`; it prints one JSON document and exits 0 only when
every gate holds. `tests/campaign/test_campaign_smoke.py` runs its `--quick` mode in the test suite.
"""
