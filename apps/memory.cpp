// memory.cpp — peak RSS from /proc/self/status (VmHWM), getrusage as the fallback.
#include "apps/memory.hpp"

#include <sys/resource.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <fstream>
#include <sstream>
#include <string>

namespace hqc::app {
namespace {
// A "Key:   1234 kB" line of /proc/self/status in bytes, or -1.
int64_t status_kb(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    std::istringstream fields(line.substr(key.size() + 1));
    int64_t kb = -1;
    fields >> kb;
    return kb < 0 ? -1 : kb * 1024;
  }
  return -1;
}
}  // namespace

int64_t peak_rss_bytes() {
  const int64_t hwm = status_kb("VmHWM");
  if (hwm >= 0) return hwm;
  struct rusage ru {};
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
  return static_cast<int64_t>(ru.ru_maxrss) * 1024;  // kilobytes on Linux
}

int64_t current_rss_bytes() {
  const int64_t rss = status_kb("VmRSS");
  return rss < 0 ? 0 : rss;
}

bool reset_peak_rss() {
#if defined(__GLIBC__)
  // Freed heap pages the allocator still holds count in the RSS the mark is reset to; handing them
  // back first makes the next peak the next piece of work's own, not a previous one's leftovers.
  malloc_trim(0);
#endif
  std::ofstream out("/proc/self/clear_refs");
  if (!out) return false;
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace hqc::app
