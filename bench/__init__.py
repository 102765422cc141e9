"""`make bench` (``python -m bench``): what the client costs per call, beside its alternatives, in one run.

All traffic stays on 127.0.0.1, against servers in their own processes (`servers`): a
fixed-response asyncio server (never the bottleneck) and the project's emulator. The
clients (`clients`) are timed interleaved, round by round (`runs`), so host noise hits
them alike; every target is a ratio within one run, printed with PASS/FAIL and written
to bench/results.json (`report`).

    python -m bench            # the full run (make bench), about 3 minutes
    python -m bench --smoke    # a few calls, only to prove it still runs (make test)
"""
