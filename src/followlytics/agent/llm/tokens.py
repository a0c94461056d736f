"""A tokenizer-free estimate of how many tokens a text costs, for budgets decided before a request is sent.

Providers report exact counts after the fact (and those are what is billed and recorded); before sending, the
loop only needs a safe upper bound to keep a question within its budget. One token per 3 UTF-8 bytes
over-counts the GPT-4o family's `o200k_base` encoding on our prompts (JSON and English prose run at about
3.5 to 4.5 bytes per token), so a budget met by the estimate is met by the bill.
"""

from __future__ import annotations

import math

BYTES_PER_TOKEN = 3.0


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text.encode("utf-8")) / BYTES_PER_TOKEN)
