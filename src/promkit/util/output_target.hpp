#pragma once
// Where a file written "atomically" (under a temporary name, then renamed onto its destination)
// should really go. Renaming onto a path replaces whatever the path names: done blindly, writing
// to /dev/null, a FIFO or /dev/stdout would replace the device with a regular file (as root,
// for every program on the machine), and writing through a symbolic link would replace the link.

#include <optional>
#include <string>

namespace promkit {

// The path to write under a temporary name and rename onto: `path` itself for a regular file
// or a name that does not exist yet, the final target for a symbolic link to a regular file.
// Nothing for anything else (a device such as /dev/null, a FIFO, a socket, a directory): write
// to `path` directly, without a temporary file.
[[nodiscard]] std::optional<std::string> atomic_write_target(const std::string& path);

}  // namespace promkit
