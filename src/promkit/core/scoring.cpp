#include "promkit/core/scoring.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace promkit {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Status worse(Status a, Status b) {
  return static_cast<int>(a) >= static_cast<int>(b) ? a : b;
}

// Reads one answer into an item result, checking it against the item.
void read_answer(const Item& item, const Answer& a, ItemResult& r) {
  if (!a.present) {
    r.state = ItemState::Missing;
    r.reason = a.reason;
    return;
  }
  if (item.type == ItemType::Choice) {
    const ResponseOption* o = item.option_by_code(a.code);
    if (o == nullptr) {
      r.state = ItemState::Invalid;
      r.given = a.code;
      return;
    }
    r.state = ItemState::Answered;
    r.code = a.code;
    r.score = item.scored ? o->score : kNaN;
    return;
  }
  for (const auto& sc : item.special) {
    if (sc.code == a.code) {
      if (sc.value) {
        r.state = ItemState::Answered;
        r.code = *sc.value;
        r.score = item.scored ? *sc.value : kNaN;
      } else {
        r.state = ItemState::Missing;
        r.reason = parse_missing_reason(sc.missing_reason).value_or(MissingReason::Other);
      }
      return;
    }
  }
  if (!std::isfinite(a.code) || a.code < item.min || a.code > item.max ||
      (item.integer && a.code != std::floor(a.code))) {
    r.state = ItemState::Invalid;
    r.given = a.code;
    return;
  }
  r.state = ItemState::Answered;
  r.code = a.code;
  r.score = item.scored ? a.code : kNaN;
}

double skipped_score(const Item& item, double code) {
  if (!item.scored) {
    return kNaN;
  }
  if (item.type == ItemType::Choice) {
    const ResponseOption* o = item.option_by_code(code);
    return o != nullptr ? o->score : kNaN;
  }
  return code;
}

}  // namespace

std::string_view to_string(Status s) {
  switch (s) {
    case Status::Complete:
      return "complete";
    case Status::Prorated:
      return "prorated";
    case Status::Incomplete:
      return "incomplete";
    case Status::Invalid:
      return "invalid";
  }
  return "invalid";
}

std::string_view to_string(ItemState s) {
  switch (s) {
    case ItemState::Answered:
      return "answered";
    case ItemState::Missing:
      return "missing";
    case ItemState::Skipped:
      return "skipped";
    case ItemState::Invalid:
      return "invalid";
  }
  return "invalid";
}

int Score::invalid_count() const {
  return static_cast<int>(std::count_if(items.begin(), items.end(), [](const ItemResult& r) {
    return r.state == ItemState::Invalid;
  }));
}

bool passes(double v, CompareOp op, double x) {
  switch (op) {
    case CompareOp::Eq:
      return v == x;
    case CompareOp::Ne:
      return v != x;
    case CompareOp::Lt:
      return v < x;
    case CompareOp::Le:
      return v <= x;
    case CompareOp::Gt:
      return v > x;
    case CompareOp::Ge:
      return v >= x;
  }
  return false;
}

int Score::flags_raised() const {
  return static_cast<int>(std::count(flags.begin(), flags.end(), kFlagRaised));
}

void size_score(const Instrument& ins, Score& out) {
  // Every entry is written before it is read (expressions only read earlier items and scales),
  // so the arrays are only resized: no per-call clearing.
  out.items.resize(ins.items.size());
  out.item_codes.resize(ins.items.size());
  out.item_scores.resize(ins.items.size());
  out.scales.resize(ins.scales.size());
  out.scale_values.resize(ins.scales.size());
  out.rules.resize(ins.rules.size());
  out.flags.resize(ins.flags.size());
  for (std::size_t s = 0; s < ins.scales.size(); ++s) {
    out.scales[s].bands.resize(ins.scales[s].interpretations.size());
  }
}

namespace {

// Context values the caller did not supply are unknown: pads `context` into `buf` if short.
std::span<const double> full_context(const Instrument& ins, std::span<const double> context,
                                     double (&buf)[16]) {
  if (context.size() >= ins.context.size()) {
    return context;
  }
  const std::size_t n = std::min<std::size_t>(ins.context.size(), 16);
  for (std::size_t i = 0; i < n; ++i) {
    buf[i] = i < context.size() ? context[i] : kNaN;
  }
  return {buf, n};
}

EvalEnv env_of(const Score& out, std::span<const double> ctx) {
  EvalEnv env;
  env.item_codes = out.item_codes;
  env.item_scores = out.item_scores;
  env.scales = out.scale_values;
  env.rules = out.rules;
  env.context = ctx;
  return env;
}

// The status and unrounded value of a sum, mean or count scale from its counted items (NaN when
// it has none); sets res.expected, res.answered and, when items are missing, res.status.
double counted_value(const Scale& sc, double sum, int expected, int answered, ScaleResult& res) {
  res.expected = expected;
  res.answered = answered;
  const int missing = expected - answered;
  if (missing > sc.missing.allow || (answered == 0 && expected > 0)) {
    res.status = Status::Incomplete;
    return kNaN;
  }
  if (expected == 0) {
    if (sc.method == ScaleMethod::Mean) {
      res.status = Status::Incomplete;
      return kNaN;
    }
    return 0;
  }
  double v = sum;
  if (sc.method == ScaleMethod::Mean) {
    v = sum / answered;
  } else if (missing > 0) {
    // Replacing each missing item by the mean of the answered ones: sum × n / answered.
    v = sum * expected / answered;
  }
  if (missing > 0) {
    res.status = Status::Prorated;
  }
  return v;
}

// The unrounded value of a linear or lookup scale from its source scale's result (NaN when it
// has none); sets res.status.
double derived_value(const Scale& sc, const ScaleResult& src, ScaleResult& res) {
  if (sc.method == ScaleMethod::Linear) {
    res.status = src.status;
    return src.value * sc.multiply + sc.add;
  }
  if (src.status != Status::Complete) {
    res.status = Status::Incomplete;  // tables are valid for complete scales only
    return kNaN;
  }
  for (const auto& [raw, val] : sc.table) {
    if (std::fabs(raw - src.value) < 1e-9) {
      return val;
    }
  }
  res.status = Status::Incomplete;
  return kNaN;
}

// A scale's value `v` (not NaN) made final: raw value kept, rounded, capped, banded. Bands with
// a condition read `env`; without one (nullptr) their band is unknown.
void finish_value(const Scale& sc, double v, ScaleResult& res, const EvalEnv* env) {
  res.raw = v;
  if (sc.rounding != Rounding::None && v != std::floor(v)) {  // whole numbers stay as they are
    v = round_value(v, sc.rounding, sc.digits);
  }
  if (sc.cap_min) {
    v = std::max(v, *sc.cap_min);
  }
  if (sc.cap_max) {
    v = std::min(v, *sc.cap_max);
  }
  res.value = v;
  for (std::size_t k = 0; k < sc.interpretations.size(); ++k) {
    int found = kNoBand;
    const auto& bands = sc.interpretations[k].bands;
    for (std::size_t b = 0; b < bands.size(); ++b) {
      const Band& band = bands[b];
      if (!band.contains(v)) {
        continue;
      }
      if (band.when) {
        const double w = env != nullptr ? band.when->evaluate(*env) : kNaN;
        if (std::isnan(w)) {
          found = kBandUnknown;
          break;
        }
        if (w == 0.0) {
          continue;
        }
      }
      found = static_cast<int>(b);
      break;
    }
    res.bands[k] = found;
  }
}

}  // namespace

void score_into(const Instrument& ins, std::span<const Answer> answers,
                std::span<const double> context, Score& out, const ScoreOptions& options) {
  const std::size_t n_items = ins.items.size();
  size_score(ins, out);
  out.status = Status::Complete;
  out.answered = 0;
  double ctx_buf[16];
  const std::span<const double> ctx = full_context(ins, context, ctx_buf);
  const EvalEnv env = env_of(out, ctx);

  bool invalid = false;
  for (std::size_t i = 0; i < n_items; ++i) {
    const Item& item = ins.items[i];
    ItemResult& r = out.items[i];
    const Answer a = i < answers.size() ? answers[i] : Answer::missing();
    if (!item.enable_when) {
      // Always asked: the common case, without the general path's checks when the caller has
      // matched the answer to an option already or there is no answer.
      if (a.option >= 0 && item.type == ItemType::Choice &&
          static_cast<std::size_t>(a.option) < item.options.size()) {
        const ResponseOption& o = item.options[static_cast<std::size_t>(a.option)];
        r = ItemResult{ItemState::Answered,
                       MissingReason::Blank,
                       o.code,
                       item.scored ? o.score : kNaN,
                       0,
                       false};
        ++out.answered;
        out.item_codes[i] = r.code;
        out.item_scores[i] = r.score;
        continue;
      }
      if (!a.present) {
        r = ItemResult{ItemState::Missing, a.reason, kNaN, kNaN, 0, false};
        out.item_codes[i] = kNaN;
        out.item_scores[i] = kNaN;
        continue;
      }
    }
    r = ItemResult{};
    r.code = kNaN;
    r.score = kNaN;
    bool enabled = true;
    // Without item detail, an unanswered item that no scale adds and that has no if_skipped
    // value comes out the same whether skipped or missing: skip the evaluation.
    const bool matters =
        options.item_detail || a.present || item.in_scale || item.if_skipped.has_value();
    if (item.enable_when && matters) {
      // Unknown (it depends on something unanswered) counts as asked: never invent a value.
      enabled = item.enable_when->evaluate(env) != 0.0;
    }
    if (!enabled) {
      r.state = ItemState::Skipped;
      if (a.present) {
        r.ignored_answer = true;
        r.given = a.code;
      }
      if (item.if_skipped) {
        r.code = *item.if_skipped;
        r.score = skipped_score(item, *item.if_skipped);
      }
    } else {
      read_answer(item, a, r);
      if (r.state == ItemState::Invalid) {
        invalid = true;
      } else if (r.state == ItemState::Answered) {
        ++out.answered;
      }
    }
    out.item_codes[i] = r.code;
    out.item_scores[i] = r.score;
  }
  score_after_items(ins, ctx, invalid, out, options);
}

void score_after_items(const Instrument& ins, std::span<const double> context, bool invalid,
                       Score& out, const ScoreOptions& options) {
  double ctx_buf[16];
  const EvalEnv env = env_of(out, full_context(ins, context, ctx_buf));
  for (std::size_t s = 0; s < ins.scales.size(); ++s) {
    const Scale& sc = ins.scales[s];
    ScaleResult& res = out.scales[s];
    std::fill(res.bands.begin(), res.bands.end(), kNoBand);
    out.scale_values[s] = kNaN;
    res.value = kNaN;
    res.raw = kNaN;
    res.answered = 0;
    res.expected = 0;
    if (invalid) {
      res.status = Status::Invalid;
      continue;
    }
    res.status = Status::Complete;
    double v = kNaN;
    switch (sc.method) {
      case ScaleMethod::Sum:
      case ScaleMethod::Mean:
      case ScaleMethod::Count: {
        double sum = 0;
        int expected = 0;  // counted in locals: the stores below could alias res
        int answered = 0;
        const ItemResult* items = out.items.data();
        for (int idx : sc.items) {
          const ItemResult& ir = items[static_cast<std::size_t>(idx)];
          if (ir.state == ItemState::Skipped && std::isnan(ir.score)) {
            continue;  // skipped without a value: not part of this administration's scale
          }
          ++expected;
          if (!std::isnan(ir.score)) {
            ++answered;
            if (sc.method == ScaleMethod::Count) {
              sum += passes(ir.score, sc.where_op, sc.where_value) ? 1 : 0;
            } else {
              sum += ir.score;
            }
          }
        }
        v = counted_value(sc, sum, expected, answered, res);
        break;
      }
      case ScaleMethod::Expression: {
        v = sc.expression->evaluate(env);
        for (const auto& sym : sc.expression->references()) {
          if (sym.kind == SymbolKind::Scale) {
            res.status = worse(res.status, out.scales[static_cast<std::size_t>(sym.index)].status);
          }
        }
        if (std::isnan(v)) {
          res.status = Status::Incomplete;
        }
        break;
      }
      case ScaleMethod::Linear:
      case ScaleMethod::Lookup:
        v = derived_value(sc, out.scales[static_cast<std::size_t>(sc.source)], res);
        break;
    }
    if (std::isnan(v)) {
      if (res.status != Status::Invalid) {
        res.status = Status::Incomplete;
      }
      continue;
    }
    finish_value(sc, v, res, &env);
    out.scale_values[s] = res.value;
  }

  for (std::size_t r = 0; r < ins.rules.size(); ++r) {
    // Rules and flags are evaluated even when an answer is invalid (an invalid answer reads as
    // unknown): a critical answer must be flagged whatever else is wrong with the response.
    out.rules[r] = options.rules ? ins.rules[r].expression.evaluate(env) : kNaN;
  }
  for (std::size_t f = 0; f < ins.flags.size(); ++f) {
    const double w = ins.flags[f].when.evaluate(env);
    out.flags[f] = std::isnan(w) ? kFlagUnknown : (w != 0.0 ? kFlagRaised : kFlagClear);
  }

  if (invalid) {
    out.status = Status::Invalid;
  } else {
    Status st = Status::Complete;
    for (const auto& res : out.scales) {
      st = worse(st, res.status);
    }
    out.status = st;
  }
}

namespace {

// A scale's result worked out ahead of scoring (for tables): `value_of` sets what it knows of
// `res` and returns the unrounded value, or NaN; then as score_after_items goes on.
template <class ValueOf>
ScaleResult result_ahead(const Scale& scale, ValueOf value_of) {
  ScaleResult res;
  res.bands.assign(scale.interpretations.size(), kNoBand);
  res.value = kNaN;
  res.raw = kNaN;
  res.status = Status::Complete;
  const double v = value_of(res);
  if (std::isnan(v)) {
    if (res.status != Status::Invalid) {
      res.status = Status::Incomplete;
    }
  } else {
    finish_value(scale, v, res, nullptr);
  }
  return res;
}

}  // namespace

ScaleResult counted_scale_result(const Scale& scale, double sum, int expected, int answered) {
  return result_ahead(
      scale, [&](ScaleResult& res) { return counted_value(scale, sum, expected, answered, res); });
}

ScaleResult derived_scale_result(const Scale& scale, const ScaleResult& source) {
  return result_ahead(scale, [&](ScaleResult& res) { return derived_value(scale, source, res); });
}

Score score(const Instrument& instrument, std::span<const Answer> answers,
            std::span<const double> context) {
  Score s;
  score_into(instrument, answers, context, s);
  return s;
}

const Band* primary_band(const Scale& scale, const ScaleResult& result) {
  if (scale.interpretations.empty() || result.bands.empty() || result.bands[0] < 0) {
    return nullptr;
  }
  return &scale.interpretations[0].bands[static_cast<std::size_t>(result.bands[0])];
}

}  // namespace promkit
