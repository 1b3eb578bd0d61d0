#include "promkit/batch/internal/writers.hpp"

#include <cmath>

#include <fmt/format.h>

namespace promkit::batch_detail {
namespace {

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
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
        if (c < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

void append_raw(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "null";
  } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
    const fmt::format_int f(static_cast<long long>(v));
    out.append(f.data(), f.size());
  } else {
    fmt::format_to(std::back_inserter(out), "{}", v);
  }
}

void write_kept_json(std::string& out, const Plan& plan, const Row& row) {
  bool first = true;
  for (int c : plan.keep) {
    if (!first) {
      out.push_back(',');
    }
    first = false;
    append_json_string(out, plan.header[static_cast<std::size_t>(c)]);
    out.push_back(':');
    append_json_string(out, row.field(c));
  }
}

// An instrument's scales in a JSON row: "scales":{...}.
void write_json_scales(std::string& o, const Instrument& ins, const Score& sc) {
  o += ",\"scales\":{";
  for (std::size_t s = 0; s < ins.scales.size(); ++s) {
    const Scale& scale = ins.scales[s];
    if (s > 0) {
      o.push_back(',');
    }
    fmt::format_to(std::back_inserter(o), "\"{}\":{{\"value\":", scale.id);
    if (std::isnan(sc.scales[s].value)) {
      o += "null";
    } else {
      append_value(o, sc.scales[s].value, scale);
    }
    o += ",\"raw\":";
    append_raw(o, sc.scales[s].raw);
    fmt::format_to(std::back_inserter(o), ",\"status\":\"{}\"", to_string(sc.scales[s].status));
    if (!scale.interpretations.empty()) {
      o += ",\"band\":";
      const int b = sc.scales[s].bands[0];
      if (b >= 0) {
        append_json_string(o, scale.interpretations[0].bands[static_cast<std::size_t>(b)].id);
      } else {
        o += "null";
      }
    }
    o += "}";
  }
  o += "}";
}

// An instrument's flags in a JSON row: those raised, then those that could not be checked (an
// item they read is unanswered), and missing answers with a declared reason (refused,
// dont_know ...): all matter clinically.
void write_json_flags(std::string& o, const Instrument& ins, const Score& sc) {
  o += ",\"flags\":[";
  bool firstf = true;
  for (std::size_t f = 0; f < ins.flags.size(); ++f) {
    if (sc.flags[f] == kFlagRaised) {
      if (!firstf) {
        o.push_back(',');
      }
      firstf = false;
      append_json_string(o, ins.flags[f].id);
    }
  }
  o += "]";
  bool first_u = true;
  for (std::size_t f = 0; f < ins.flags.size(); ++f) {
    if (sc.flags[f] == kFlagUnknown) {
      o += first_u ? ",\"unchecked_flags\":[" : ",";
      first_u = false;
      append_json_string(o, ins.flags[f].id);
    }
  }
  if (!first_u) {
    o += "]";
  }
  bool first_m = true;
  for (std::size_t i = 0; i < ins.items.size(); ++i) {
    const ItemResult& ir = sc.items[i];
    if (ir.state == ItemState::Missing && ir.reason != MissingReason::Blank) {
      o += first_m ? ",\"missing\":{" : ",";
      first_m = false;
      append_json_string(o, ins.items[i].id);
      o.push_back(':');
      append_json_string(o, to_string(ir.reason));
    }
  }
  if (!first_m) {
    o += "}";
  }
}

}  // namespace

void ChunkOut::reset() {
  csv.clear();
  out.clear();
  errors.clear();
  alerts.clear();
  rows = blank = invalid_rows = malformed = flags = errors_reported = table_scored = 0;
  counts.clear();
  stop = false;
  stop_reason.clear();
}

void report_error(const Plan& plan, ChunkOut& out, std::uint64_t line, std::string_view column,
                  std::string_view value, std::string_view instrument, std::string_view reason,
                  bool invalid) {
  ++out.errors_reported;
  if (invalid && plan.opt->strict && !out.stop) {
    out.stop = true;
    out.stop_reason = fmt::format(
        "line {}: {}{}", line,
        column.empty() ? "" : fmt::format("column {}: value '{}' is ", column, value), reason);
  }
  if (!plan.want_errors) {
    return;
  }
  fmt::format_to(std::back_inserter(out.errors), "{},", line);
  append_csv_field(out.errors, column, true);
  out.errors.push_back(',');
  append_csv_field(out.errors, value, true);
  out.errors.push_back(',');
  append_csv_field(out.errors, instrument, true);
  out.errors.push_back(',');
  append_csv_field(out.errors, reason, true);
  out.errors.push_back('\n');
}

void write_alert(const Plan& plan, ChunkOut& out, const Row& row, std::size_t k, std::size_t f) {
  fmt::format_to(std::back_inserter(out.alerts), "{},", row.line);
  append_csv_field(out.alerts, row.field(plan.id_col), true);
  out.alerts.push_back(',');
  append_csv_field(out.alerts, row.field(plan.date_col), true);
  out.alerts += plan.instruments[k].alert_tails[f];
}

std::string ragged_reason(std::size_t fields, std::size_t columns) {
  return fmt::format("{} fields where the header has {} (ragged row)", fields, columns);
}

void put_kept_field(OutBuffer& o, std::string_view f, bool sanitize) {
  char* w = o.room(f.size());
  bool special = false;
  for (const char c : f) {
    *w++ = c;
    special = special || detail::kCsvQuote[static_cast<unsigned char>(c)];
  }
  if (!special && (f.empty() || !detail::kFormulaStart[static_cast<unsigned char>(f[0])])) {
    o.commit(w);
    return;
  }
  append_csv_field(o, f, sanitize);
}

void write_csv_columns(OutBuffer& o, const Instrument& ins, const Score& sc, RowStatus status,
                       bool have) {
  for (std::size_t s = 0; s < ins.scales.size(); ++s) {
    const Scale& scale = ins.scales[s];
    o.push_back(',');
    if (have) {
      append_value(o, sc.scales[s].value, scale);
    }
    if (!scale.interpretations.empty()) {
      o.push_back(',');
      if (have) {
        const int b = sc.scales[s].bands[0];
        if (b >= 0) {
          o += scale.interpretations[0].bands[static_cast<std::size_t>(b)].id;
        }
      }
    }
  }
  o.push_back(',');
  o += status_name(status);
  o.push_back(',');
  if (have) {
    const fmt::format_int f(sc.answered);
    o.append(f.data(), f.size());
  } else {
    o.push_back('0');
  }
  o.push_back(',');
  if (have) {
    bool firstf = true;
    for (std::size_t f = 0; f < ins.flags.size(); ++f) {
      if (sc.flags[f] == kFlagRaised) {
        if (!firstf) {
          o.push_back(';');
        }
        firstf = false;
        o += ins.flags[f].id;
      }
    }
  }
}

void write_json_row(std::string& o, const Plan& plan, const Row& row,
                    const std::vector<Score>& scores, const std::vector<RowStatus>& status,
                    bool malformed) {
  fmt::format_to(std::back_inserter(o), "{{\"line\":{},\"fields\":{{", row.line);
  write_kept_json(o, plan, row);
  o += "}";
  if (malformed) {
    o += ",\"error\":";
    append_json_string(
        o, !row.error.empty() ? std::string(row.error) : ragged_reason(row.size, plan.ncols));
  }
  for (std::size_t k = 0; k < plan.instruments.size(); ++k) {
    const Instrument& ins = *plan.instruments[k].ins;
    const bool have = !malformed && status[k] != RowStatus::Skipped;
    const Score& sc = scores[k];
    fmt::format_to(std::back_inserter(o), ",\"{}\":{{\"version\":", ins.id);
    append_json_string(o, ins.version);
    fmt::format_to(std::back_inserter(o), ",\"status\":\"{}\",\"answered\":{}",
                   status_name(status[k]), have ? sc.answered : 0);
    if (have) {
      write_json_scales(o, ins, sc);
      write_json_flags(o, ins, sc);
    }
    o += "}";
  }
  o += "}\n";
}

}  // namespace promkit::batch_detail
