"""Which job the language-model calls of this thread belong to, for the LM ledger.

The job runner sets it around a job; the LM layer reads it when it records a call or checks a job's
spending cap. It lives beside the LM layer, below the job runner, so `lm.py` imports nothing above `store/`.
"""

from __future__ import annotations

import contextvars

current_job_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_job_id", default=None)
