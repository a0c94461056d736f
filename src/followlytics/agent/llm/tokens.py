"""A tokenizer-free estimate of how many tokens a text costs, for budgets decided before a request is sent.

Providers report exact counts after the fact (and those are what is billed and recorded); before sending, the
loop only needs a cautious figure to keep a question within its budget. One token per 3 UTF-8 bytes
over-counts our prompts, which are JSON and English prose: on the `bench tokens` requests it gives 3,975
where the GPT-4o family's `o200k_base` tokenizer counts 3,199 (24% more). It is an estimate, not a bound:
Markdown tables run nearer 2.5 bytes per token, and other vendors' tokenizers differ.
"""

from __future__ import annotations

import math

BYTES_PER_TOKEN = 3.0


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text.encode("utf-8")) / BYTES_PER_TOKEN)
