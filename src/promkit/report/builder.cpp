// The report builder: reads the store client by client (the store returns scores ordered by
// client, instrument and date), judges each client's course per instrument and per paired
// definition (outcomes.hpp), and keeps the cohort aggregates and the first clients for the
// renderers.

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "promkit/report/report.hpp"
#include "promkit/util/error.hpp"

namespace promkit {

struct ReportBuilder::Group {
  std::string client;
  // Per instrument, in the store's order (by id): its series in date order.
  std::vector<std::pair<std::string, std::vector<Measurement>>> series;
  std::size_t used = 0;  // entries of `series` in use (kept allocated between clients)

  std::vector<Measurement>* find(std::string_view id) {
    for (std::size_t i = 0; i < used; ++i) {
      if (series[i].first == id) {
        return &series[i].second;
      }
    }
    return nullptr;
  }
};

ReportBuilder::ReportBuilder(const Store& store, InstrumentLookup lookup,
                             std::vector<PairedDefinition> paired, ReportOptions options)
    : store_(store), lookup_(std::move(lookup)), options_(std::move(options)) {
  for (auto& def : paired) {
    const OutcomeParams* a = params_for(def.first);
    const OutcomeParams* b = params_for(def.second);
    auto usable = [](const OutcomeParams* p) {
      return p != nullptr && p->caseness && p->reliable_change;
    };
    if (!usable(a) || !usable(b)) {
      notes_.push_back(fmt::format(
          "{}: skipped: {} and {} both need a definition with caseness and reliable_change on "
          "scale '{}'",
          def.id, def.first, def.second, options_.scale));
      continue;
    }
    paired_.push_back({std::move(def), *a, *b});
  }
}

const OutcomeParams* ReportBuilder::params_for(std::string_view instrument_id) {
  auto it = params_.find(instrument_id);
  if (it == params_.end()) {
    std::optional<OutcomeParams> p;
    std::shared_ptr<const Instrument> ins;
    try {
      ins = lookup_(instrument_id);
    } catch (const Error&) {
      ins = nullptr;
    }
    if (ins) {
      p = outcome_params(*ins, options_.scale);
    }
    it = params_.emplace(std::string(instrument_id), std::move(p)).first;
  }
  return it->second ? &*it->second : nullptr;
}

void ReportBuilder::scan(const std::function<void(Group&)>& on_client) const {
  Group g;
  store_.for_each_score(options_.filter, options_.scale, [&](const ScoreRow& r) {
    if (r.client_id != g.client) {
      if (g.used > 0) {
        on_client(g);
      }
      g.client.assign(r.client_id);
      for (std::size_t i = 0; i < g.used; ++i) {
        g.series[i].second.clear();
      }
      g.used = 0;
    }
    if (g.used == 0 || g.series[g.used - 1].first != r.instrument_id) {
      if (g.used == g.series.size()) {
        g.series.emplace_back();
      }
      g.series[g.used].first.assign(r.instrument_id);
      g.series[g.used].second.clear();
      ++g.used;
    }
    auto& s = g.series[g.used - 1].second;
    s.emplace_back();
    s.back().date.assign(r.administered_at);
    s.back().value = r.value;
    s.back().band.assign(r.band);
  });
  if (g.used > 0) {
    on_client(g);
  }
}

ReportData ReportBuilder::summarise() {
  ReportData data;
  data.options = options_;
  std::map<std::string, std::pair<CohortBuilder, InstrumentSection>, std::less<>> sections;
  std::vector<PairedSummary> paired(paired_.size());
  scan([&](Group& g) {
    ++data.clients;
    for (std::size_t i = 0; i < g.used; ++i) {
      const auto& [id, series] = g.series[i];
      data.administrations += series.size();
      for (const auto& m : series) {
        if (data.first_date.empty() || m.date < data.first_date) {
          data.first_date = m.date.substr(0, 10);
        }
        if (m.date.substr(0, 10) > data.last_date) {
          data.last_date = m.date.substr(0, 10);
        }
      }
      const OutcomeParams* p = params_for(id);
      if (p == nullptr) {
        continue;
      }
      auto it = sections.find(id);
      if (it == sections.end()) {
        it = sections.emplace(id, std::make_pair(CohortBuilder(*p), InstrumentSection{})).first;
      }
      ClientOutcome o = analyse_client(*p, g.client, series);
      it->second.first.add(o, series);
      auto& clients = it->second.second.clients;
      if (clients.size() < std::max(options_.client_rows, options_.client_charts)) {
        clients.push_back({std::move(o), series});
      }
    }
    for (std::size_t k = 0; k < paired_.size(); ++k) {
      const auto* a = g.find(paired_[k].def.first);
      const auto* b = g.find(paired_[k].def.second);
      if (a != nullptr && b != nullptr) {
        paired[k].add(analyse_paired(paired_[k], g.client, *a, *b));
      }
    }
  });
  for (auto& [id, entry] : sections) {
    entry.second.cohort = entry.first.finish();
    data.instruments.push_back(std::move(entry.second));
  }
  for (const auto& [id, p] : params_) {
    if (!p) {
      data.notes.push_back(
          fmt::format("{}: in the store but no definition with a scale '{}' was found; left out",
                      id, options_.scale));
    }
  }
  for (std::size_t k = 0; k < paired_.size(); ++k) {
    if (paired[k].clients > 0) {
      data.paired.push_back({paired_[k], paired[k]});
    }
  }
  data.notes.insert(data.notes.end(), notes_.begin(), notes_.end());
  return data;
}

void ReportBuilder::each_client(const ClientVisitor& visitor) const {
  scan([&](Group& g) {
    for (std::size_t i = 0; i < g.used; ++i) {
      const auto& [id, series] = g.series[i];
      auto it = params_.find(id);
      if (it == params_.end() || !it->second) {
        continue;
      }
      if (visitor.client) {
        visitor.client(*it->second, analyse_client(*it->second, g.client, series));
      }
    }
    if (visitor.paired) {
      for (const auto& pp : paired_) {
        const auto* a = g.find(pp.def.first);
        const auto* b = g.find(pp.def.second);
        if (a != nullptr && b != nullptr) {
          visitor.paired(pp, analyse_paired(pp, g.client, *a, *b));
        }
      }
    }
  });
}

}  // namespace promkit
