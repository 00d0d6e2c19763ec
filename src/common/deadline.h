// Deadlines as steady_clock time points, and what poll() wants from them.
#pragma once

#include <chrono>

namespace isthmus {

// Milliseconds from now until `deadline`, 0 once it passed.
inline int MillisecondsLeft(std::chrono::steady_clock::time_point deadline) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
  return ms < 0 ? 0 : static_cast<int>(ms);
}

}  // namespace isthmus
