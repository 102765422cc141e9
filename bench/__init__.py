"""`make bench` (``python -m bench``): what the client costs beside raw httpx, in one run.

All traffic stays on 127.0.0.1, against a fixed-response server in its own process
(`servers`). Each measurement module listed in ``bench.__main__.MEASUREMENTS`` (today
`transport`) times its subjects interleaved, round by round, so host noise hits them alike;
every target is a ratio within one run, printed with PASS/FAIL and written to
bench/results.json (`report`).

    python -m bench            # the full run (make bench), a few minutes
    python -m bench --smoke    # a few calls, only to prove it still runs (make test)
"""
