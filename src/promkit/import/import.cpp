#include "promkit/import/import.hpp"

#include <ostream>
#include <utility>

#include "promkit/util/line_sink.hpp"

namespace promkit {

ImportOutcome import_scored(Store& store, int fd, const std::string& source, Registry& registry,
                            ConflictPolicy policy) {
  const auto writer = store.begin_import(policy, source);
  ScoredReader reader(source, registry, [&](const Administration& a) { writer->add(a); });
  reader.read(fd);
  ImportOutcome out;
  out.result = writer->finish();
  out.read = reader.counts();
  return out;
}

struct StoreSink::Impl {
  Impl(Store& store, const std::string& source, Registry& registry, ConflictPolicy policy)
      : writer(store.begin_import(policy, source)),
        reader(source, registry, [this](const Administration& a) { writer->add(a); }),
        lines([this](std::string_view line, std::uint64_t no) { reader.ndjson_line(line, no); }),
        out(&lines) {}
  std::unique_ptr<StoreWriter> writer;
  ScoredReader reader;
  LineSink lines;
  std::ostream out;
};

StoreSink::StoreSink(Store& store, const std::string& source, Registry& registry,
                     ConflictPolicy policy)
    : impl_(std::make_unique<Impl>(store, source, registry, policy)) {}
StoreSink::~StoreSink() = default;

std::ostream& StoreSink::stream() {
  return impl_->out;
}

ImportOutcome StoreSink::finish() {
  impl_->out.flush();
  impl_->lines.finish();
  ImportOutcome out;
  out.result = impl_->writer->finish();
  out.read = impl_->reader.counts();
  return out;
}

ImportOutcome import_raw(Store& store, int fd, BatchOptions options, Registry& registry,
                         ConflictPolicy policy) {
  options.format = BatchFormat::Ndjson;
  options.keep_all = true;  // the item answers go into the store too
  options.sanitize = false;
  StoreSink sink(store, options.input_name, registry, policy);
  const BatchSummary summary = run_batch(fd, options, sink.stream(), nullptr, nullptr);
  ImportOutcome out = sink.finish();
  out.batch = summary;
  return out;
}

}  // namespace promkit
