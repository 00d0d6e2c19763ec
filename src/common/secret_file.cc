#include "common/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace isthmus {

Status CheckSecretFile(const std::string& path, const std::string& holds) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0)
    return InvalidArgument("cannot read " + path + ": " + std::strerror(errno));
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return InvalidArgument(path + " holds " + holds + " but group or others may read it (mode " + mode +
                           "): run `chmod 600 " + path + "`");
  }
  return Status::Ok();
}

Status WriteSecretFile(const std::string& path, const std::string& content) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable("cannot write " + path + ": " + std::strerror(errno));
  bool ok = fchmod(fd, 0600) == 0;
  for (size_t done = 0; ok && done < content.size();) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  std::string err = ok ? "" : std::strerror(errno);
  if (close(fd) != 0 && ok) {
    ok = false;
    err = std::strerror(errno);
  }
  return ok ? Status::Ok() : Unavailable("cannot write " + path + ": " + err);
}

}  // namespace isthmus
