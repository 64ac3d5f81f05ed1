"""How this process gives memory back: large buffers (a message's bytes) go back to the system when freed.

glibc's malloc raises its mmap threshold each time a large block is freed,
so after one large message every later buffer of that size comes from the
heap, which is seldom returned: one 20 MB message then raised the memory of
every later step of the pass by its size. Fixing the threshold at 1 MB keeps
large buffers in their own mappings, unmapped when freed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger("mailbot")
M_MMAP_THRESHOLD = -3            # glibc's <malloc.h>
LARGE_BUFFER_BYTES = 1024 * 1024


def return_large_buffers_to_the_system() -> bool:
    """Fix glibc's mmap threshold at 1 MB; False (and nothing changed) where the C library is not glibc."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):   # not glibc (musl, macOS): their allocators do not keep large blocks
        return False
    done = mallopt(M_MMAP_THRESHOLD, LARGE_BUFFER_BYTES) == 1
    if not done:
        log.debug("mallopt(M_MMAP_THRESHOLD) refused; large buffers may stay with the heap")
    return done
