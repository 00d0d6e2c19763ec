// The process's allocator. The daemons link tcmalloc (gperftools'
// tcmalloc_minimal, Debian: libgoogle-perftools-dev): per-thread caches, no
// arena per worker thread, and large blocks kept in one page heap rather than
// mapped fresh each time (docs/architecture.md, "Memory"). A sanitizer build
// keeps glibc's malloc, which the sanitizers replace.
#pragma once

namespace isthmus {

// Gives the memory the allocator holds free back to the system: after a
// load has parsed every row, or once a large body is sent.
void ReleaseFreeMemory();

// "tcmalloc" or "glibc", for logs and tests.
const char* AllocatorName();

}  // namespace isthmus
