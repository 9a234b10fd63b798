"""The only code that imports durable_rules or knows its JSON dialect, limits and fact keys."""

import sys
import threading


def copy_is_safe() -> bool:
    """Whether a copy of this process (os.fork) may go on working: Linux (forking is unsafe on
    macOS, absent on Windows), one thread (a lock another thread holds would stay held in the
    copy), and no durable_rules state made here (its global C state is never copied). Asked
    without importing durable: before the adapter module is imported there is no state."""
    if not sys.platform.startswith("linux") or threading.active_count() != 1:
        return False
    adapter = sys.modules.get(f"{__name__}.adapter")
    return adapter is None or not adapter.started()
