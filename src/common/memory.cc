#include "common/memory.h"

#ifdef ISTHMUS_TCMALLOC
#include <gperftools/malloc_extension.h>
#else
#include <malloc.h>
#endif

namespace isthmus {

void ReleaseFreeMemory() {
#ifdef ISTHMUS_TCMALLOC
  MallocExtension::instance()->ReleaseFreeMemory();
#else
  malloc_trim(0);
#endif
}

const char* AllocatorName() {
#ifdef ISTHMUS_TCMALLOC
  return "tcmalloc";
#else
  return "glibc";
#endif
}

}  // namespace isthmus
