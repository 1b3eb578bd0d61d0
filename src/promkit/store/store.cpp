#include "promkit/store/store.hpp"

#include <string>

#include <fmt/format.h>

#include "promkit/store/sqlite_store.hpp"

namespace promkit {
namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n) {
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') {
      return false;
    }
  }
  return true;
}

}  // namespace

bool is_iso_date(std::string_view s) {
  if (s.size() < 10 || !digits(s, 0, 4) || s[4] != '-' || !digits(s, 5, 2) || s[7] != '-' ||
      !digits(s, 8, 2)) {
    return false;
  }
  const int month = (s[5] - '0') * 10 + (s[6] - '0');
  const int day = (s[8] - '0') * 10 + (s[9] - '0');
  if (month < 1 || month > 12 || day < 1 || day > 31) {
    return false;
  }
  if (s.size() == 10) {
    return true;
  }
  if ((s[10] != 'T' && s[10] != ' ') || !digits(s, 11, 2) || s.size() < 16 || s[13] != ':' ||
      !digits(s, 14, 2)) {
    return false;
  }
  if (s.size() == 16) {
    return true;
  }
  return s.size() == 19 && s[16] == ':' && digits(s, 17, 2);
}

std::string default_store_path(std::string_view promkit_store, std::string_view xdg_data_home,
                               std::string_view home) {
  if (!promkit_store.empty()) {
    return std::string(promkit_store);
  }
  if (!xdg_data_home.empty()) {
    return fmt::format("{}/promkit/promkit.db", xdg_data_home);
  }
  if (!home.empty()) {
    return fmt::format("{}/.local/share/promkit/promkit.db", home);
  }
  return {};
}

ImportResult Store::import(std::span<const Administration> rows, ConflictPolicy policy,
                           std::string_view source_name) {
  const auto writer = begin_import(policy, std::string(source_name));
  for (const auto& row : rows) {
    writer->add(row);
  }
  return writer->finish();
}

std::unique_ptr<Store> open_store(const std::string& location, StoreAccess access) {
  return std::make_unique<SqliteStore>(location, access);
}

}  // namespace promkit
