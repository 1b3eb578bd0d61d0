#include "promkit/definition/column_map.hpp"

#include <fmt/format.h>

#include "promkit/util/error.hpp"

namespace promkit {

void ColumnMap::merge(const ColumnMap& other) {
  columns.insert(columns.end(), other.columns.begin(), other.columns.end());
  context_columns.insert(context_columns.end(), other.context_columns.begin(),
                         other.context_columns.end());
  missing.insert(missing.end(), other.missing.begin(), other.missing.end());
  recodes.insert(recodes.end(), other.recodes.begin(), other.recodes.end());
  context_values.insert(context_values.end(), other.context_values.begin(),
                        other.context_values.end());
}

std::vector<std::pair<std::string, MissingReason>> parse_missing_codes(const std::string& list) {
  std::vector<std::pair<std::string, MissingReason>> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    auto end = list.find(',', start);
    if (end == std::string::npos) {
      end = list.size();
    }
    std::string part = list.substr(start, end - start);
    start = end + 1;
    while (!part.empty() && part.front() == ' ') {
      part.erase(0, 1);
    }
    while (!part.empty() && part.back() == ' ') {
      part.pop_back();
    }
    if (part.empty()) {
      continue;
    }
    const auto eq = part.find('=');
    if (eq == std::string::npos) {
      out.emplace_back(part, MissingReason::Blank);
      continue;
    }
    const std::string code = part.substr(0, eq);
    const std::string reason = part.substr(eq + 1);
    auto r = parse_missing_reason(reason);
    if (!r || code.empty()) {
      throw DataError(fmt::format("--missing: '{}' is not CODE=REASON with a reason among: {}",
                                  part, missing_reason_names()));
    }
    out.emplace_back(code, *r);
  }
  return out;
}

}  // namespace promkit
