#include "promkit/batch/internal/general.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace promkit::batch_detail {
namespace {

RowStatus count_status(Status st, InstrumentCounts& counts) {
  switch (st) {
    case Status::Complete:
      ++counts.complete;
      return RowStatus::Complete;
    case Status::Prorated:
      ++counts.prorated;
      return RowStatus::Prorated;
    case Status::Incomplete:
      ++counts.incomplete;
      return RowStatus::Incomplete;
    case Status::Invalid:
      break;
  }
  ++counts.invalid;
  return RowStatus::Invalid;
}

}  // namespace

GeneralPath::GeneralPath(const Plan& plan) : plan_(plan) {
  const std::size_t count = plan.instruments.size();
  answers_.resize(count);
  ctx_.resize(count);
  scores_.resize(count);
  for (std::size_t k = 0; k < count; ++k) {
    const Instrument& ins = *plan.instruments[k].ins;
    answers_[k].resize(ins.items.size());
    size_score(ins, scores_[k]);
  }
}

Answer GeneralPath::read_cell(const ItemPlan& ip, const Item& item, std::string_view raw) const {
  if (raw.size() == 1) {
    // The reader's own answer for this byte, worked out once (cell_bytes).
    const int slot = ip.bytes[static_cast<unsigned char>(raw[0])];
    if (slot > 0) {
      const auto option = static_cast<std::int16_t>(slot - 1);
      return Answer::choice(item.options[static_cast<std::size_t>(option)].code, option);
    }
    if (slot == kCellBlank) {
      return Answer::missing();
    }
  }
  return ip.reader.read(raw);
}

void GeneralPath::read_context(std::size_t k, const Row& row, ChunkOut& out) {
  const InstrumentPlan& ip = plan_.instruments[k];
  const Instrument& ins = *ip.ins;
  auto& ctx = ctx_[k];
  ctx = ip.fixed_context;
  for (std::size_t c = 0; c < ip.context_columns.size(); ++c) {
    const int col = ip.context_columns[c];
    if (col < 0) {
      continue;
    }
    const std::string_view v = trim(row.fields[static_cast<std::size_t>(col)]);
    if (v.empty()) {
      continue;
    }
    const std::string key = normalize_label(v);
    bool found = false;
    for (const auto& [text, idx] : ip.context_values[c]) {
      if (text == key) {
        ctx[c] = idx;
        found = true;
        break;
      }
    }
    if (!found) {
      report_error(plan_, out, row.line, plan_.header[static_cast<std::size_t>(col)], v, ins.id,
                   fmt::format("not a value of context '{}' (expected one of: {}); "
                               "context left unknown",
                               ins.context[c].id, fmt::join(ins.context[c].values, ", ")),
                   false);
    }
  }
}

RowStatus GeneralPath::score(std::size_t k, const Row& row, ChunkOut& out) {
  const InstrumentPlan& ip = plan_.instruments[k];
  const Instrument& ins = *ip.ins;
  InstrumentCounts& counts = out.counts[k];
  auto& answers = answers_[k];
  bool any = false;
  for (std::size_t i = 0; i < ins.items.size(); ++i) {
    const ItemPlan& p = ip.items[i];
    if (p.column < 0) {
      answers[i] = Answer::missing();
      continue;
    }
    answers[i] = read_cell(p, ins.items[i], row.fields[static_cast<std::size_t>(p.column)]);
    any = any || answers[i].present;
  }
  if (!any) {
    ++counts.skipped;
    return RowStatus::Skipped;
  }
  read_context(k, row, out);
  Score& sc = scores_[k];
  score_into(ins, answers, ctx_[k], sc, score_options_);
  const RowStatus status = count_status(sc.status, counts);
  if (sc.status == Status::Invalid) {
    for (std::size_t i = 0; i < ins.items.size(); ++i) {
      if (sc.items[i].state != ItemState::Invalid) {
        continue;
      }
      const int col = ip.items[i].column;
      // The value has its own column: the reason does not repeat it (and so never starts with
      // something a spreadsheet would run as a formula).
      report_error(plan_, out, row.line, plan_.header[static_cast<std::size_t>(col)],
                   trim(row.field(col)), ins.id,
                   fmt::format("not an answer to {} (expected {})", ins.items[i].id,
                               expected_answers(ins.items[i])));
    }
  }
  const int raised = sc.flags_raised();
  counts.flags += static_cast<std::uint64_t>(raised);
  out.flags += static_cast<std::uint64_t>(raised);
  if (raised > 0 && plan_.want_alerts) {
    for (std::size_t f = 0; f < ins.flags.size(); ++f) {
      if (sc.flags[f] == kFlagRaised) {
        write_alert(plan_, out, row, k, f);
      }
    }
  }
  return status;
}

}  // namespace promkit::batch_detail
