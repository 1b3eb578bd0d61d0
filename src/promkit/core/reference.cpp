#include "promkit/core/reference.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "promkit/core/answers.hpp"
#include "promkit/core/scoring.hpp"

namespace promkit {
namespace {

std::string show(double v) {
  return std::isnan(v) ? std::string("none") : format_number(v);
}

std::string show(const std::optional<double>& v) {
  return v ? format_number(*v) : "none";
}

bool same(double got, const std::optional<double>& want) {
  if (!want) {
    return std::isnan(got);
  }
  return !std::isnan(got) && std::fabs(got - *want) < 1e-6;
}

std::string band_id(const Scale& scale, std::size_t interp, int band) {
  if (band == kNoBand || band == kBandUnknown) {
    return "none";
  }
  return scale.interpretations[interp].bands[static_cast<std::size_t>(band)].id;
}

}  // namespace

ReferenceOutcome check_reference_vectors(const Instrument& ins) {
  ReferenceOutcome out;
  for (const auto& v : ins.tests) {
    ++out.run;
    std::vector<std::string> problems;
    auto fail = [&](std::string msg) { problems.push_back(std::move(msg)); };
    Score sc;
    try {
      const AnswerList list = parse_answer_list(ins, v.answers);
      for (const auto& e : list.errors) {
        if (!e.empty() && v.status != std::optional<std::string>("invalid")) {
          fail(fmt::format("answers \"{}\": {}", v.answers, e));
        }
      }
      const std::vector<double> ctx = resolve_context(ins, v.context, true);
      score_into(ins, list.answers, ctx, sc);
    } catch (const DataError& e) {
      fail(fmt::format("answers \"{}\" cannot be read: {}", v.answers, e.what()));
    }
    if (problems.empty()) {
      if (v.status && *v.status != to_string(sc.status)) {
        fail(fmt::format("status is {}, expected {}", to_string(sc.status), *v.status));
      }
      if (v.answered && *v.answered != sc.answered) {
        fail(fmt::format("{} items answered, expected {}", sc.answered, *v.answered));
      }
      for (const auto& [id, want] : v.scores) {
        const int idx = ins.scale_index(id);
        if (idx < 0) {
          fail(fmt::format("expects a score for '{}', which is not a scale", id));
        } else if (!same(sc.scales[static_cast<std::size_t>(idx)].value, want)) {
          fail(fmt::format("{} is {}, expected {}", id,
                           show(sc.scales[static_cast<std::size_t>(idx)].value), show(want)));
        }
      }
      for (const auto& [id, want] : v.raw) {
        const int idx = ins.scale_index(id);
        if (idx < 0) {
          fail(fmt::format("expects a raw value for '{}', which is not a scale", id));
        } else if (!same(sc.scales[static_cast<std::size_t>(idx)].raw, want)) {
          fail(fmt::format("raw {} is {}, expected {}", id,
                           show(sc.scales[static_cast<std::size_t>(idx)].raw), show(want)));
        }
      }
      for (const auto& [key, want] : v.bands) {
        const auto dot = key.find('.');
        const std::string sid = key.substr(0, dot);
        const int idx = ins.scale_index(sid);
        if (idx < 0) {
          fail(fmt::format("expects a band for '{}', which is not a scale", sid));
          continue;
        }
        const Scale& scale = ins.scales[static_cast<std::size_t>(idx)];
        std::size_t k = 0;
        if (dot != std::string::npos) {
          const std::string iid = key.substr(dot + 1);
          auto it = std::find_if(scale.interpretations.begin(), scale.interpretations.end(),
                                 [&](const Interpretation& in) { return in.id == iid; });
          if (it == scale.interpretations.end()) {
            fail(fmt::format("scale '{}' has no interpretation '{}'", sid, iid));
            continue;
          }
          k = static_cast<std::size_t>(it - scale.interpretations.begin());
        } else if (scale.interpretations.empty()) {
          fail(fmt::format("expects a band for '{}', which has no bands", sid));
          continue;
        }
        const std::string got =
            band_id(scale, k, sc.scales[static_cast<std::size_t>(idx)].bands[k]);
        if (got != want) {
          fail(fmt::format("band of {} is {}, expected {}", key, got, want));
        }
      }
      if (v.flags) {
        std::vector<std::string> got;
        for (std::size_t f = 0; f < ins.flags.size(); ++f) {
          if (sc.flags[f] == kFlagRaised) {
            got.push_back(ins.flags[f].id);
          }
        }
        std::vector<std::string> want = *v.flags;
        std::sort(want.begin(), want.end());
        std::vector<std::string> got_sorted = got;
        std::sort(got_sorted.begin(), got_sorted.end());
        if (want != got_sorted) {
          fail(fmt::format("flags raised: [{}], expected [{}]", fmt::join(got, ", "),
                           fmt::join(*v.flags, ", ")));
        }
      }
      for (const auto& [rule_id, want] : v.rules) {
        const std::string& id = rule_id;  // (clang 14 cannot capture a structured binding)
        auto it = std::find_if(ins.rules.begin(), ins.rules.end(),
                               [&](const Rule& r) { return r.id == id; });
        if (it == ins.rules.end()) {
          fail(fmt::format("expects an outcome for rule '{}', which does not exist", id));
          continue;
        }
        const double r = sc.rules[static_cast<std::size_t>(it - ins.rules.begin())];
        const std::string got = std::isnan(r) ? "unknown" : (r != 0 ? "true" : "false");
        if (got != want) {
          fail(fmt::format("rule {} is {}, expected {}", id, got, want));
        }
      }
    }
    if (!problems.empty()) {
      ++out.failed;
      for (auto& p : problems) {
        out.failures.push_back(
            {v.pos, Severity::Error, fmt::format("reference vector '{}': {}", v.name, p)});
      }
    }
  }
  return out;
}

}  // namespace promkit
