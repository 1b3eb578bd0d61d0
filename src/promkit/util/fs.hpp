#pragma once
// File-system steps that files holding answers need: private directories, durable renames.

#include <string>
#include <string_view>

namespace promkit {

// mkdir -p with mode 0700 for every directory it creates (existing ones are left as they are).
// Throws Error naming `what` ("the journal directory") and the reason.
void make_private_dirs(const std::string& dir, std::string_view what);
// The directory that holds `path` ("." for a bare name).
[[nodiscard]] std::string parent_dir(const std::string& path);
// fsync of a directory, so that a rename or removal in it reaches the disk. Best effort.
void sync_dir(const std::string& dir);

}  // namespace promkit
