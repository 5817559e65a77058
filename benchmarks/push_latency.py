"""How soon `rebound run` drafts a rejection after it lands: `python benchmarks/push_latency.py`.

A real Dovecot on 127.0.0.1 (the test suite's, from tests/dovecot.py) and the real daemon, polling
only every ten minutes, so a draft within seconds can only come from IDLE. Rejections are APPENDed
one at a time, each after the daemon is back in IDLE; the time from the APPEND's OK to the draft
in Drafts is printed for each, then p50, p90 and the worst. The issue's bound is p50 ≤ 2 s.
PUSH_COUNT=N changes the number of rejections (20 by default).

Then a burst: 156 emails of other kinds (acknowledgements, invitations, newsletters…) APPENDed
back to back with four rejections among them, as a mailing list or an import brings them;
printed is how long after its APPEND each rejection was drafted (the issue's bound: 30 s).
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

from backlog import backlog  # noqa: E402
from dovecot import DovecotServer, ImapAccount, dovecot_unavailable_reason  # noqa: E402
from helpers import drafts, imap_sessions, make_rebound, rejection, stop_daemon, wait_for  # noqa: E402

COUNT = int(os.environ.get("PUSH_COUNT", "20"))
PASSWORD = "rebound-bench-password"


def main() -> int:
    reason = dovecot_unavailable_reason()
    if reason:
        print(f"Dovecot unavailable: {reason}", file=sys.stderr)
        return 1
    root = Path(tempfile.mkdtemp(prefix="rebound-bench-"))
    root.chmod(0o755)  # Dovecot's unprivileged service users must reach the mail folders
    try:
        with DovecotServer.start(root / "server", any_user_password=PASSWORD) as server:
            account = ImapAccount(server=server, user="bench", password=PASSWORD)
            rebound = make_rebound(root / "rebound", account, imap={"poll_seconds": 600, "idle": True})
            proc = rebound.start("run")

            def in_idle() -> bool:
                return any(title.endswith(" IDLE]") for _, title in imap_sessions(account))

            latencies = []
            try:
                for n in range(COUNT):
                    wait_for(in_idle, 60, "the daemon to IDLE")
                    parent = f"<push-{n}@fenwickhale.com>"
                    raw = rejection(parent)
                    account.append("INBOX", raw)
                    appended = time.monotonic()
                    wait_for(lambda p=parent: any(d.in_reply_to == p for d in drafts(account)), 60, f"a draft for {parent}", interval=0.02)
                    latencies.append(time.monotonic() - appended)
                    print(f"{n + 1:3d}  {latencies[-1]:.2f} s", flush=True)
                burst = _burst(account)
            finally:
                stop_daemon(proc, rebound)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    ordered = sorted(latencies)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    print(f"APPEND to draft, {len(ordered)} rejections one at a time: p50 {statistics.median(ordered):.2f} s, p90 {p90:.2f} s, worst {ordered[-1]:.2f} s")
    print(f"APPEND to draft, {len(burst)} rejections in a burst of 156 other emails: " + ", ".join(f"{t:.1f} s" for t in burst))
    return 0


def _burst(account: ImapAccount) -> list[float]:
    others = [m.raw for m in backlog(240, tag="bench-burst") if m.label != "rejection"]
    appended: dict[str, float] = {}
    for i, raw in enumerate(others):
        if i % (len(others) // 4) == len(others) // 8:
            parent = f"<burst-{i}@fenwickhale.com>"
            account.append("INBOX", rejection(parent))
            appended[parent] = time.monotonic()
        account.append("INBOX", raw)
    drafted: dict[str, float] = {}

    def all_drafted() -> bool:
        now = time.monotonic()
        for d in drafts(account):
            if d.in_reply_to in appended:
                drafted.setdefault(d.in_reply_to, now)
        return len(drafted) == len(appended)

    wait_for(all_drafted, 300, "drafts for the burst's rejections", interval=0.2)
    return [drafted[p] - appended[p] for p in appended]


if __name__ == "__main__":
    sys.exit(main())
