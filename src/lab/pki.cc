#include "lab/pki.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>

namespace isthmus::lab {
namespace {

Status Openssl(Runner& runner, std::vector<std::string> args) {
  args.insert(args.begin(), "openssl");
  auto out = runner.Check(Command{args});
  return out.ok() ? Status::Ok() : out.status();
}

// Every lab certificate is valid for serving on the lab's addresses and as a client.
constexpr char kExtensions[] =
    "basicConstraints = critical, CA:FALSE\n"
    "keyUsage = critical, digitalSignature, keyEncipherment\n"
    "extendedKeyUsage = serverAuth, clientAuth\n"
    "subjectAltName = IP:127.0.0.1, DNS:localhost\n";

// -subj separates fields with '/': a '/' inside the name is escaped.
std::string SubjectEscaped(const std::string& name) {
  std::string out;
  for (char ch : name) {
    if (ch == '/' || ch == '\\' || ch == '+' || ch == '=') out += '\\';
    out += ch;
  }
  return out;
}

}  // namespace

std::string LabPki::Base(const std::string& identity) const {
  std::string file = identity;
  std::replace(file.begin(), file.end(), '/', '-');
  return dir_ + "/" + file;
}

TlsFiles LabPki::FilesOf(const std::string& identity) const {
  return TlsFiles{ca(), Base(identity) + ".crt", Base(identity) + ".key"};
}

Status LabPki::Make(Runner& runner, const std::vector<std::string>& identities) {
  mkdir(dir_.c_str(), 0700);
  const std::string ca_key = dir_ + "/ca.key", ext = dir_ + "/leaf.ext";
  struct stat st {};
  if (stat(ca().c_str(), &st) != 0) {
    ISTHMUS_RETURN_IF_ERROR(Openssl(runner, {"req", "-x509", "-newkey", "ec", "-pkeyopt",
                                             "ec_paramgen_curve:P-256", "-nodes", "-keyout", ca_key,
                                             "-out", ca(), "-days", "3650", "-subj",
                                             "/CN=isthmus lab federation CA"}));
    chmod(ca_key.c_str(), 0600);
  }
  std::ofstream(ext) << kExtensions;
  for (const auto& id : identities) {
    TlsFiles f = FilesOf(id);
    if (stat(f.cert.c_str(), &st) == 0) continue;
    const std::string csr = Base(id) + ".csr";
    ISTHMUS_RETURN_IF_ERROR(Openssl(runner, {"req", "-new", "-newkey", "ec", "-pkeyopt",
                                             "ec_paramgen_curve:P-256", "-nodes", "-keyout", f.key,
                                             "-out", csr, "-subj", "/CN=" + SubjectEscaped(id)}));
    chmod(f.key.c_str(), 0600);
    ISTHMUS_RETURN_IF_ERROR(Openssl(runner, {"x509", "-req", "-in", csr, "-CA", ca(), "-CAkey", ca_key,
                                             "-CAcreateserial", "-days", "825", "-extfile", ext,
                                             "-out", f.cert}));
    unlink(csr.c_str());
  }
  return Status::Ok();
}

}  // namespace isthmus::lab
