#pragma once
// The SQLite backend of the store: one database file, the schema versioned with PRAGMA
// user_version and brought up to date by ordered migrations when opened for writing (WAL
// journal, foreign keys, a busy timeout for concurrent writers). The only code of promkit that
// includes <sqlite3.h>.

#include <memory>
#include <string>

#include "promkit/store/store.hpp"

namespace promkit {

class SqliteStore final : public Store {
 public:
  // Opens the database at `path` (":memory:" for a private one). ReadWrite creates a missing
  // file (mode 0600: it holds answers) and migrates it to `migrate_to` (default: the latest;
  // tests pass a lower version to build an old database). ReadOnly changes nothing. Throws
  // StoreError for a database written by a newer promkit, or one that cannot be opened.
  explicit SqliteStore(const std::string& path, StoreAccess access = StoreAccess::ReadWrite,
                       int migrate_to = kSchemaVersion);
  ~SqliteStore() override;

  [[nodiscard]] int schema_version() const override;
  [[nodiscard]] std::string location() const override;
  [[nodiscard]] std::unique_ptr<StoreWriter> begin_import(ConflictPolicy policy,
                                                          std::string source_name) override;
  void for_each(const StoreFilter& filter,
                const std::function<void(const Administration&)>& visit) const override;
  void for_each_score(const StoreFilter& filter, std::string_view scale_id,
                      const std::function<void(const ScoreRow&)>& visit) const override;
  [[nodiscard]] std::vector<StoreCount> counts(const StoreFilter& filter) const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace promkit
