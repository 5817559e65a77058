"""agent/mailbox.py's FETCH planning and answer parsing, on imaplib-level data (the real-server side: test_fetch_integration.py)."""

from __future__ import annotations

from agent.mailbox import FETCH_BULK, fetch_batches, fetched_literals

MB = 1024 * 1024


def test_fifty_messages_of_ten_megabytes_are_not_one_fetch() -> None:
    uids = list(range(1, FETCH_BULK + 1))
    sizes = dict.fromkeys(uids, 10 * MB - 1)
    batches = list(fetch_batches(uids, sizes, cap=10 * MB, budget=16 * MB))
    assert [uid for _, batch in batches for uid in batch] == uids  # all of them, in order
    assert all(whole for whole, _ in batches)
    assert all(sum(sizes[u] for u in batch) <= 16 * MB for _, batch in batches)
    assert len(batches) == FETCH_BULK


def test_small_messages_share_a_fetch_until_the_budget() -> None:
    sizes = {1: 3 * MB, 2: 3 * MB, 3: 3 * MB, 4: 20 * MB, 5: 1000, 6: 6 * MB, 7: 0}
    batches = list(fetch_batches(list(sizes), sizes, cap=10 * MB, budget=7 * MB))
    assert batches == [(True, [1, 2]), (True, [3]), (False, [4]), (True, [5, 6, 7])]


def test_a_message_bigger_than_the_budget_but_under_the_cap_is_fetched_alone() -> None:
    sizes = {1: 100, 2: 9 * MB, 3: 100}
    assert list(fetch_batches([1, 2, 3], sizes, cap=10 * MB, budget=4 * MB)) == [(True, [1]), (True, [2]), (True, [3])]


def _answer(*uids: int) -> list[object]:
    """What imaplib returns for `UID FETCH ... (UID BODY.PEEK[])`, one response per UID."""
    out: list[object] = []
    for n, uid in enumerate(uids, 1):
        body = f"Message-ID: <m{uid}@x>\r\n\r\nbody {uid}\r\n".encode()
        out += [(f"{n} (UID {uid} BODY[] {{{len(body)}}}".encode(), body), b")"]
    return out


def test_unsolicited_flag_updates_in_the_answer_are_not_messages() -> None:
    unsolicited = b"2 (UID 11 FLAGS (\\Seen \\Flagged))"
    for at in range(0, 7):
        data = _answer(10, 11, 12)
        data.insert(at, unsolicited)
        got = fetched_literals(data, b"BODY[]")
        assert sorted(got) == [10, 11, 12], at
        assert all(got[uid].endswith(f"body {uid}\r\n".encode()) for uid in got), at


def test_the_uid_may_come_after_the_literal() -> None:
    body = b"Subject: x\r\n\r\nhello\r\n"
    data: list[object] = [(b"4 (BODY[] {%d}" % len(body), body), b" UID 42 FLAGS (\\Seen))", b"5 (UID 43 FLAGS ())"]
    assert fetched_literals(data, b"BODY[]") == {42: body}


def test_only_the_named_part_counts() -> None:
    head = b"Message-ID: <h@x>\r\n\r\n"
    data: list[object] = [(b"1 (UID 7 BODY[HEADER] {%d}" % len(head), head), b")"]
    assert fetched_literals(data, b"BODY[HEADER]") == {7: head}
    assert fetched_literals(data, b"BODY[]") == {}
