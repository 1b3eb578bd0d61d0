#pragma once
// The one way promkit writes an output file (scored rows, errors and alerts reports, reports,
// administration results): files that hold answers and scores are private, are either written
// whole or not at all, and never replace something that is not a file of their own.
//
// Where the output goes, decided before anything is written (resolve_output):
//  - a path that is, or leads by symbolic links to, standard output or standard error
//    (/dev/stdout, /dev/fd/1, /proc/self/fd/2, or the very file fd 1 or 2 has open) is written
//    through that descriptor, in place: `-o /dev/stdout >> log.txt` appends to log.txt;
//  - a device, FIFO or socket is opened and written in place (it stays what it is);
//  - a regular file, or a name that does not exist yet, is written to a temporary file
//    <final>.partial-<pid> beside it (mode 0600), synced, and renamed onto it by commit(); the
//    final file gets the replaced file's mode, or 0600 when it is new. Through a symbolic link
//    the file it names is replaced and the link kept;
//  - anything else (a directory, a link that leads nowhere, a loop) is an error: nothing is ever
//    renamed over a path that could not be resolved.
// Ctrl-C, SIGTERM, SIGHUP and SIGPIPE remove the temporary files before the process ends.

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "promkit/util/fd_stream.hpp"

namespace promkit {

struct OutputTarget {
  enum class Kind : unsigned char {
    Descriptor,  // standard output or error: write to `fd`
    InPlace,     // a device, FIFO or socket: open `path` and write to it
    Replace,     // a regular file (or a new one) at `path`: temporary file, then rename
  };
  Kind kind = Kind::Replace;
  std::string path;      // InPlace, Replace: what is opened or replaced (links followed)
  int fd = -1;           // Descriptor
  unsigned mode = 0600;  // Replace: the mode the final file gets
};

// Where writing `path` goes (see above). Throws Error for a path that cannot be written to.
[[nodiscard]] OutputTarget resolve_output(const std::string& path, std::string_view what);

class OutputFile {
 public:
  // Opens the output (`what` names it in messages: "the errors report"). Throws Error.
  OutputFile(std::string path, std::string what);
  ~OutputFile();  // not committed: the temporary file is removed, the destination untouched
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  [[nodiscard]] std::ostream& stream() { return *stream_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  // Flushes and syncs the output and renames it into place. Throws Error naming the output and
  // the reason when anything written failed (a full disk, a closed pipe).
  void commit();

 private:
  std::string path_;
  std::string what_;
  OutputTarget target_;
  std::string tmp_;  // Replace: the temporary file
  int fd_ = -1;
  bool owns_fd_ = true;
  std::optional<FdOStream> stream_;
  int slot_ = -1;  // in the signal handler's list of temporary files
  bool committed_ = false;
};

// Writes `content` to `path` as OutputFile does. Throws Error.
void write_file_atomic(const std::string& path, std::string_view content,
                       std::string_view what = "the file");

// "cannot write the output 'x.csv': No space left on device": the message for a failed write.
[[nodiscard]] std::string write_error_message(std::string_view what, std::string_view path,
                                              int error);

}  // namespace promkit
