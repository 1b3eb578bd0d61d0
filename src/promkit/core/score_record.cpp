#include "promkit/core/score_record.hpp"

#include <cmath>

namespace promkit {

void make_score_record(const Instrument& ins, const Score& sc, ScoreRecord& out) {
  out.instrument = ins.id;
  out.version = ins.version;
  out.status = to_string(sc.status);
  out.answered = sc.answered;
  out.scales.resize(ins.scales.size());
  for (std::size_t s = 0; s < ins.scales.size(); ++s) {
    const ScaleResult& r = sc.scales[s];
    ScaleRecord& rec = out.scales[s];
    rec.id = ins.scales[s].id;
    rec.value = std::isnan(r.value) ? std::nullopt : std::optional<double>(r.value);
    rec.raw = std::isnan(r.raw) ? std::nullopt : std::optional<double>(r.raw);
    rec.status = to_string(r.status);
    const Band* band = primary_band(ins.scales[s], r);
    rec.band = band != nullptr ? band->id : std::string();
  }
  out.flags.clear();
  out.unchecked_flags.clear();
  for (std::size_t f = 0; f < ins.flags.size(); ++f) {
    if (sc.flags[f] == kFlagRaised) {
      out.flags.push_back(ins.flags[f].id);
    } else if (sc.flags[f] == kFlagUnknown) {
      out.unchecked_flags.push_back(ins.flags[f].id);
    }
  }
  out.missing.clear();
  for (std::size_t i = 0; i < ins.items.size(); ++i) {
    const ItemResult& ir = sc.items[i];
    if (ir.state == ItemState::Missing && ir.reason != MissingReason::Blank) {
      out.missing.emplace_back(ins.items[i].id, to_string(ir.reason));
    }
  }
}

ScoreRecord make_score_record(const Instrument& ins, const Score& sc) {
  ScoreRecord r;
  make_score_record(ins, sc, r);
  return r;
}

}  // namespace promkit
