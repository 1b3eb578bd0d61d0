#include "promkit/render/json_text.hpp"

#include <cmath>
#include <cstdint>

#include <fmt/format.h>

#include "promkit/util/number.hpp"

namespace promkit {
namespace {

// Length of the valid UTF-8 sequence at s[i] (RFC 3629: no overlongs, no surrogates, at most
// U+10FFFF), or 0 when it is not one.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0U) == 0x80U; };
  const unsigned char c = b(0);
  if (c < 0x80U) {
    return 1;
  }
  if (c >= 0xC2U && c <= 0xDFU) {
    return cont(1) ? 2 : 0;
  }
  if (c >= 0xE0U && c <= 0xEFU) {
    if (!cont(1) || !cont(2)) {
      return 0;
    }
    if ((c == 0xE0U && b(1) < 0xA0U) || (c == 0xEDU && b(1) > 0x9FU)) {
      return 0;
    }
    return 3;
  }
  if (c >= 0xF0U && c <= 0xF4U) {
    if (!cont(1) || !cont(2) || !cont(3)) {
      return 0;
    }
    if ((c == 0xF0U && b(1) < 0x90U) || (c == 0xF4U && b(1) > 0x8FU)) {
      return 0;
    }
    return 4;
  }
  return 0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80U) {
      const std::size_t n = utf8_length(s, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20U) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

void append_json_number(std::string& out, std::optional<double> v) {
  if (!v || !std::isfinite(*v)) {
    out += "null";
    return;
  }
  if (const auto w = whole_number(*v)) {
    fmt::format_to(std::back_inserter(out), "{}", *w);
    return;
  }
  fmt::format_to(std::back_inserter(out), "{}", *v);
}

void append_score_record_json(std::string& out, const ScoreRecord& r) {
  out += "{\"instrument\":";
  append_json_string(out, r.instrument);
  out += ",\"version\":";
  append_json_string(out, r.version);
  out += ",\"status\":";
  append_json_string(out, r.status);
  fmt::format_to(std::back_inserter(out), ",\"answered\":{},\"scales\":{{", r.answered);
  for (std::size_t s = 0; s < r.scales.size(); ++s) {
    const ScaleRecord& sc = r.scales[s];
    if (s > 0) {
      out.push_back(',');
    }
    append_json_string(out, sc.id);
    out += ":{\"value\":";
    append_json_number(out, sc.value);
    out += ",\"raw\":";
    append_json_number(out, sc.raw);
    out += ",\"status\":";
    append_json_string(out, sc.status);
    out += ",\"band\":";
    if (sc.band.empty()) {
      out += "null";
    } else {
      append_json_string(out, sc.band);
    }
    out.push_back('}');
  }
  out += "},\"flags\":[";
  for (std::size_t f = 0; f < r.flags.size(); ++f) {
    if (f > 0) {
      out.push_back(',');
    }
    append_json_string(out, r.flags[f]);
  }
  out += "],\"unchecked_flags\":[";
  for (std::size_t f = 0; f < r.unchecked_flags.size(); ++f) {
    if (f > 0) {
      out.push_back(',');
    }
    append_json_string(out, r.unchecked_flags[f]);
  }
  out += "],\"missing\":{";
  for (std::size_t m = 0; m < r.missing.size(); ++m) {
    if (m > 0) {
      out.push_back(',');
    }
    append_json_string(out, r.missing[m].first);
    out.push_back(':');
    append_json_string(out, r.missing[m].second);
  }
  out += "}}";
}

std::string score_record_json(const ScoreRecord& record) {
  std::string out;
  append_score_record_json(out, record);
  return out;
}

}  // namespace promkit
