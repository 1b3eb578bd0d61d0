#include "promkit/store/sqlite_store.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <string>
#include <utility>

#include <fmt/format.h>

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

namespace promkit {
namespace {

// --- RAII over the C API ------------------------------------------------------------------------

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view what) {
  const char* msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw StoreError(fmt::format("store: {}: {}", what, msg), rc);
}

class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql) : db_(db) {
    const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
    if (rc != SQLITE_OK) {
      fail(db, rc, fmt::format("preparing '{}'", sql.substr(0, 60)));
    }
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, std::string_view s) {
    check(sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Stmt& bind(int i, std::int64_t v) {
    check(sqlite3_bind_int64(stmt_, i, v));
    return *this;
  }
  Stmt& bind(int i, std::optional<double> v) {
    check(v && std::isfinite(*v) ? sqlite3_bind_double(stmt_, i, *v) : sqlite3_bind_null(stmt_, i));
    return *this;
  }
  // True while there is a row.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
      return true;
    }
    if (rc == SQLITE_DONE) {
      return false;
    }
    fail(db_, rc, "executing a statement");
  }
  void run() {
    while (step()) {
    }
    reset();
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  [[nodiscard]] std::string_view text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p == nullptr
               ? std::string_view()
               : std::string_view(reinterpret_cast<const char*>(p),
                                  static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
  }
  [[nodiscard]] std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  [[nodiscard]] std::optional<double> real(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) {
      return std::nullopt;
    }
    return sqlite3_column_double(stmt_, col);
  }

 private:
  void check(int rc) const {
    if (rc != SQLITE_OK) {
      fail(db_, rc, "binding a value");
    }
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw StoreError(fmt::format("store: {}", msg), rc);
  }
}

// --- schema -------------------------------------------------------------------------------------

// Migration N brings a database from user_version N-1 to N. Append only: never edit a migration
// that has shipped.
constexpr const char* kMigrations[] = {
    // 1: administrations and what they carry.
    R"sql(
CREATE TABLE administration (
  id INTEGER PRIMARY KEY,
  client_id TEXT NOT NULL,
  instrument_id TEXT NOT NULL,
  instrument_version TEXT NOT NULL,
  administered_at TEXT NOT NULL,
  status TEXT NOT NULL,
  answered INTEGER NOT NULL DEFAULT 0,
  source TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  UNIQUE (client_id, instrument_id, administered_at)
);
CREATE TABLE answer (
  administration_id INTEGER NOT NULL REFERENCES administration (id) ON DELETE CASCADE,
  item_id TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (administration_id, item_id)
) WITHOUT ROWID;
CREATE TABLE scale_score (
  administration_id INTEGER NOT NULL REFERENCES administration (id) ON DELETE CASCADE,
  scale_id TEXT NOT NULL,
  value REAL,
  raw REAL,
  band TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (administration_id, scale_id)
) WITHOUT ROWID;
CREATE TABLE flag (
  administration_id INTEGER NOT NULL REFERENCES administration (id) ON DELETE CASCADE,
  flag_id TEXT NOT NULL,
  PRIMARY KEY (administration_id, flag_id)
) WITHOUT ROWID;
)sql",
    // 2: a log of imports, and an index for reports filtered by instrument and date.
    R"sql(
CREATE TABLE import_log (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  added INTEGER NOT NULL,
  unchanged INTEGER NOT NULL,
  replaced INTEGER NOT NULL,
  kept INTEGER NOT NULL
);
CREATE INDEX administration_by_instrument ON administration (instrument_id, administered_at);
)sql",
    // 3: flags that could not be checked are kept beside those raised (state), and items left
    // unanswered for a declared reason (refused, dont_know ...).
    R"sql(
ALTER TABLE flag ADD COLUMN state TEXT NOT NULL DEFAULT 'raised';
CREATE TABLE missing_answer (
  administration_id INTEGER NOT NULL REFERENCES administration (id) ON DELETE CASCADE,
  item_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  PRIMARY KEY (administration_id, item_id)
) WITHOUT ROWID;
)sql",
};
static_assert(std::size(kMigrations) == Store::kSchemaVersion);

int user_version(sqlite3* db) {
  Stmt st(db, "PRAGMA user_version");
  return st.step() ? static_cast<int>(st.int64(0)) : 0;
}

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

bool same_value(const std::optional<double>& a, const std::optional<double>& b) {
  if (!a || !b) {
    return !a && !b;
  }
  return std::fabs(*a - *b) < 1e-9;
}

std::string show(const std::optional<double>& v) {
  if (!v) {
    return "none";
  }
  return std::fabs(*v - std::round(*v)) < 1e-9 ? fmt::format("{:.0f}", *v)
                                               : fmt::format("{:.2f}", *v);
}

// The WHERE clause for a filter; parameters are bound in the same order by bind_filter.
std::string where_clause(const StoreFilter& f) {
  std::string w = " WHERE 1";
  auto list = [&](std::string_view column, std::size_t n) {
    if (n == 0) {
      return;
    }
    w += fmt::format(" AND {} IN (", column);
    for (std::size_t i = 0; i < n; ++i) {
      w += i == 0 ? "?" : ",?";
    }
    w += ")";
  };
  list("a.client_id", f.clients.size());
  list("a.instrument_id", f.instruments.size());
  if (!f.from.empty()) {
    w += " AND a.administered_at >= ?";
  }
  if (!f.to.empty()) {
    w += " AND substr(a.administered_at, 1, 10) <= ?";
  }
  return w;
}

void bind_filter(Stmt& st, const StoreFilter& f) {
  int i = 1;
  for (const auto& c : f.clients) {
    st.bind(i++, c);
  }
  for (const auto& c : f.instruments) {
    st.bind(i++, c);
  }
  if (!f.from.empty()) {
    st.bind(i++, f.from);
  }
  if (!f.to.empty()) {
    st.bind(i++, f.to);
  }
}

}  // namespace

struct SqliteStore::Impl {
  DbHandle db;
  std::string path;
};

namespace {

// Opens the database; a new file is created readable by its owner only (it holds answers), and
// SQLite gives its journal files the database file's mode. An existing file keeps its mode.
DbHandle open_database(const std::string& path, StoreAccess access) {
  const bool file = path != ":memory:" && !path.starts_with("file:");
  if (file && access == StoreAccess::ReadWrite) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ::close(fd);
    }
  }
  if (file && access == StoreAccess::ReadOnly) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      throw StoreError(fmt::format("store: cannot open '{}': {}", path, std::strerror(errno)), 0);
    }
  }
  sqlite3* raw = nullptr;
  const int flags = access == StoreAccess::ReadOnly ? SQLITE_OPEN_READONLY
                                                    : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  DbHandle db(raw);
  if (rc != SQLITE_OK) {
    throw StoreError(fmt::format("store: cannot open '{}': {}", path,
                                 raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)),
                     rc);
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 5000);
  return db;
}

void migrate(sqlite3* db, const std::string& path, int migrate_to) {
  {
    Stmt wal(db, "PRAGMA journal_mode = WAL");  // returns a row; finalised before going on
    (void)wal.step();
  }
  exec(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;");
  const int have = user_version(db);
  if (have > Store::kSchemaVersion) {
    throw StoreError(fmt::format("store: '{}' has schema version {}, newer than this promkit "
                                 "knows ({}); upgrade promkit",
                                 path, have, Store::kSchemaVersion),
                     0);
  }
  for (int v = have + 1; v <= migrate_to && v <= Store::kSchemaVersion; ++v) {
    exec(db, "BEGIN IMMEDIATE");
    try {
      // Another process may have migrated meanwhile.
      if (user_version(db) < v) {
        exec(db, kMigrations[v - 1]);
        exec(db, fmt::format("PRAGMA user_version = {}", v).c_str());
      }
      exec(db, "COMMIT");
    } catch (...) {
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }
}

void check_readable(sqlite3* db, const std::string& path) {
  const int have = user_version(db);
  if (have > Store::kSchemaVersion) {
    throw StoreError(fmt::format("store: '{}' has schema version {}, newer than this promkit "
                                 "knows ({}); upgrade promkit",
                                 path, have, Store::kSchemaVersion),
                     0);
  }
}

}  // namespace

SqliteStore::SqliteStore(const std::string& path, StoreAccess access, int migrate_to)
    : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->db = open_database(path, access);
  try {
    if (access == StoreAccess::ReadWrite) {
      migrate(impl_->db.get(), path, migrate_to);
    } else {
      check_readable(impl_->db.get(), path);
    }
  } catch (const StoreError& e) {
    if (e.code() == SQLITE_NOTADB) {
      throw StoreError(
          fmt::format("store: '{}' is not a promkit store (not an SQLite database)", path),
          e.code());
    }
    throw;
  }
}

SqliteStore::~SqliteStore() = default;

int SqliteStore::schema_version() const {
  return user_version(impl_->db.get());
}

std::string SqliteStore::location() const {
  return impl_->path;
}

// --- import -------------------------------------------------------------------------------------

namespace {

// One import's statements and counts, inside one transaction (SqliteWriter).
struct WriterState {
  sqlite3* db;
  ConflictPolicy policy;
  std::string source;
  std::string now = now_utc();
  bool open = false;
  ImportResult result;
  Stmt insert_admin;
  Stmt find_admin;
  Stmt find_scales;
  Stmt update_admin;
  Stmt delete_answers;
  Stmt delete_scales;
  Stmt delete_flags;
  Stmt delete_missing;
  Stmt insert_answer;
  Stmt insert_scale;
  Stmt insert_flag;
  Stmt insert_missing;
  Stmt log;

  WriterState(sqlite3* d, ConflictPolicy p, std::string src)
      : db(d),
        policy(p),
        source(std::move(src)),
        insert_admin(d,
                     "INSERT OR IGNORE INTO administration (client_id, instrument_id, "
                     "instrument_version, administered_at, status, answered, source, imported_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
        find_admin(d,
                   "SELECT id, status FROM administration WHERE client_id = ? AND "
                   "instrument_id = ? AND administered_at = ?"),
        find_scales(d,
                    "SELECT scale_id, value, band FROM scale_score WHERE administration_id = ? "
                    "ORDER BY scale_id"),
        update_admin(d,
                     "UPDATE administration SET instrument_version = ?, status = ?, answered = ?, "
                     "source = ?, imported_at = ? WHERE id = ?"),
        delete_answers(d, "DELETE FROM answer WHERE administration_id = ?"),
        delete_scales(d, "DELETE FROM scale_score WHERE administration_id = ?"),
        delete_flags(d, "DELETE FROM flag WHERE administration_id = ?"),
        delete_missing(d, "DELETE FROM missing_answer WHERE administration_id = ?"),
        insert_answer(d, "INSERT OR REPLACE INTO answer VALUES (?, ?, ?)"),
        insert_scale(d, "INSERT OR REPLACE INTO scale_score VALUES (?, ?, ?, ?, ?, ?)"),
        insert_flag(
            d, "INSERT OR IGNORE INTO flag (administration_id, flag_id, state) VALUES (?, ?, ?)"),
        insert_missing(d, "INSERT OR REPLACE INTO missing_answer VALUES (?, ?, ?)"),
        log(d,
            "INSERT INTO import_log (source, imported_at, added, unchanged, replaced, kept) "
            "VALUES (?, ?, ?, ?, ?, ?)") {}

  void children(std::int64_t id, const Administration& row) {
    for (const auto& [item, value] : row.answers) {
      insert_answer.bind(1, id).bind(2, item).bind(3, value).run();
    }
    for (const auto& s : row.score.scales) {
      insert_scale.bind(1, id)
          .bind(2, s.id)
          .bind(3, s.value)
          .bind(4, s.raw)
          .bind(5, s.band)
          .bind(6, s.status)
          .run();
    }
    for (const auto& f : row.score.flags) {
      insert_flag.bind(1, id).bind(2, f).bind(3, "raised").run();
    }
    for (const auto& f : row.score.unchecked_flags) {
      insert_flag.bind(1, id).bind(2, f).bind(3, "not_checked").run();
    }
    for (const auto& [item, reason] : row.score.missing) {
      insert_missing.bind(1, id).bind(2, item).bind(3, reason).run();
    }
  }

  // Empty when the stored administration has the same status and scale scores as `row`.
  std::string difference(std::int64_t id, std::string_view stored_status,
                         const Administration& row) {
    std::vector<std::string> diffs;
    if (stored_status != row.score.status) {
      diffs.push_back(fmt::format("status {} -> {}", stored_status, row.score.status));
    }
    std::vector<const ScaleRecord*> incoming;
    for (const auto& s : row.score.scales) {
      incoming.push_back(&s);
    }
    std::vector<bool> seen(incoming.size(), false);
    find_scales.bind(1, id);
    while (find_scales.step()) {
      const std::string scale(find_scales.text(0));
      const auto value = find_scales.real(1);
      const std::string band(find_scales.text(2));
      bool found = false;
      for (std::size_t i = 0; i < incoming.size(); ++i) {
        if (incoming[i]->id == scale) {
          found = true;
          seen[i] = true;
          if (!same_value(value, incoming[i]->value) || band != incoming[i]->band) {
            diffs.push_back(
                fmt::format("{} {} -> {}", scale, show(value), show(incoming[i]->value)));
          }
        }
      }
      if (!found) {
        diffs.push_back(fmt::format("{} {} -> absent", scale, show(value)));
      }
    }
    find_scales.reset();
    for (std::size_t i = 0; i < incoming.size(); ++i) {
      if (!seen[i]) {
        diffs.push_back(fmt::format("{} absent -> {}", incoming[i]->id, show(incoming[i]->value)));
      }
    }
    std::string out;
    for (const auto& d : diffs) {
      out += out.empty() ? d : "; " + d;
    }
    return out;
  }

  void add(const Administration& row) {
    if (row.client_id.empty()) {
      throw StoreError("store: an administration has no client id", 0);
    }
    if (!is_iso_date(row.administered_at)) {
      throw StoreError(fmt::format("store: client {}: '{}' is not a date (YYYY-MM-DD[THH:MM[:SS]])",
                                   row.client_id, row.administered_at),
                       0);
    }
    insert_admin.bind(1, row.client_id)
        .bind(2, row.score.instrument)
        .bind(3, row.score.version)
        .bind(4, row.administered_at)
        .bind(5, row.score.status)
        .bind(6, static_cast<std::int64_t>(row.score.answered))
        .bind(7, source)
        .bind(8, now)
        .run();
    if (sqlite3_changes(db) == 1) {
      children(sqlite3_last_insert_rowid(db), row);
      ++result.added;
      return;
    }
    find_admin.bind(1, row.client_id).bind(2, row.score.instrument).bind(3, row.administered_at);
    if (!find_admin.step()) {
      find_admin.reset();
      throw StoreError("store: an insert was ignored but no matching row exists", 0);
    }
    const std::int64_t id = find_admin.int64(0);
    const std::string stored_status(find_admin.text(1));
    find_admin.reset();
    const std::string diff = difference(id, stored_status, row);
    if (diff.empty()) {
      ++result.unchanged;
      return;
    }
    result.conflicts.push_back({row.client_id, row.score.instrument, row.administered_at, diff});
    switch (policy) {
      case ConflictPolicy::Fail:
        break;
      case ConflictPolicy::Keep:
        ++result.kept;
        break;
      case ConflictPolicy::Replace:
        update_admin.bind(1, row.score.version)
            .bind(2, row.score.status)
            .bind(3, static_cast<std::int64_t>(row.score.answered))
            .bind(4, source)
            .bind(5, now)
            .bind(6, id)
            .run();
        delete_answers.bind(1, id).run();
        delete_scales.bind(1, id).run();
        delete_flags.bind(1, id).run();
        delete_missing.bind(1, id).run();
        children(id, row);
        ++result.replaced;
        break;
    }
  }
};

class SqliteWriter final : public StoreWriter {
 public:
  SqliteWriter(sqlite3* db, ConflictPolicy policy, std::string source)
      : state_(db, policy, std::move(source)) {
    exec(db, "BEGIN IMMEDIATE");
    state_.open = true;
  }
  ~SqliteWriter() override {
    if (state_.open) {
      sqlite3_exec(state_.db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  SqliteWriter(const SqliteWriter&) = delete;
  SqliteWriter& operator=(const SqliteWriter&) = delete;

  void add(const Administration& row) override { state_.add(row); }

  ImportResult finish() override {
    ImportResult r = state_.result;
    if (state_.policy == ConflictPolicy::Fail && !r.conflicts.empty()) {
      exec(state_.db, "ROLLBACK");
      state_.open = false;
      r.rolled_back = true;
      r.added = 0;
      return r;
    }
    state_.log.bind(1, state_.source)
        .bind(2, state_.now)
        .bind(3, static_cast<std::int64_t>(r.added))
        .bind(4, static_cast<std::int64_t>(r.unchanged))
        .bind(5, static_cast<std::int64_t>(r.replaced))
        .bind(6, static_cast<std::int64_t>(r.kept))
        .run();
    exec(state_.db, "COMMIT");
    state_.open = false;
    return r;
  }

 private:
  WriterState state_;
};

}  // namespace

std::unique_ptr<StoreWriter> SqliteStore::begin_import(ConflictPolicy policy,
                                                       std::string source_name) {
  return std::make_unique<SqliteWriter>(impl_->db.get(), policy, std::move(source_name));
}

// --- reading ------------------------------------------------------------------------------------

void SqliteStore::for_each(const StoreFilter& filter,
                           const std::function<void(const Administration&)>& visit) const {
  sqlite3* db = impl_->db.get();
  Stmt st(db,
          "SELECT a.id, a.client_id, a.instrument_id, a.instrument_version, a.administered_at, "
          "a.status, a.answered, a.source FROM administration a" +
              where_clause(filter) + " ORDER BY a.client_id, a.instrument_id, a.administered_at");
  bind_filter(st, filter);
  Stmt answers(db, "SELECT item_id, value FROM answer WHERE administration_id = ?");
  Stmt scales(db,
              "SELECT scale_id, value, raw, band, status FROM scale_score WHERE "
              "administration_id = ?");
  Stmt flags(db, "SELECT flag_id, state FROM flag WHERE administration_id = ? ORDER BY flag_id");
  Stmt missing(db,
               "SELECT item_id, reason FROM missing_answer WHERE administration_id = ? ORDER BY "
               "item_id");
  Administration a;
  while (st.step()) {
    a.id = st.int64(0);
    a.client_id = st.text(1);
    a.score.instrument = st.text(2);
    a.score.version = st.text(3);
    a.administered_at = st.text(4);
    a.score.status = st.text(5);
    a.score.answered = static_cast<int>(st.int64(6));
    a.source = st.text(7);
    a.answers.clear();
    a.score.scales.clear();
    a.score.flags.clear();
    a.score.unchecked_flags.clear();
    a.score.missing.clear();
    answers.bind(1, a.id);
    while (answers.step()) {
      a.answers.emplace_back(answers.text(0), answers.text(1));
    }
    answers.reset();
    scales.bind(1, a.id);
    while (scales.step()) {
      a.score.scales.push_back({std::string(scales.text(0)), scales.real(1), scales.real(2),
                                std::string(scales.text(4)), std::string(scales.text(3))});
    }
    scales.reset();
    flags.bind(1, a.id);
    while (flags.step()) {
      (flags.text(1) == "not_checked" ? a.score.unchecked_flags : a.score.flags)
          .emplace_back(flags.text(0));
    }
    flags.reset();
    missing.bind(1, a.id);
    while (missing.step()) {
      a.score.missing.emplace_back(missing.text(0), missing.text(1));
    }
    missing.reset();
    visit(a);
  }
}

void SqliteStore::for_each_score(const StoreFilter& filter, std::string_view scale_id,
                                 const std::function<void(const ScoreRow&)>& visit) const {
  Stmt st(impl_->db.get(),
          "SELECT a.client_id, a.instrument_id, a.instrument_version, a.administered_at, "
          "a.status, s.value, s.band FROM administration a LEFT JOIN scale_score s ON "
          "s.administration_id = a.id AND s.scale_id = ?" +
              where_clause(filter) + " ORDER BY a.client_id, a.instrument_id, a.administered_at");
  // The scale id is parameter 1; the filter's parameters follow.
  st.bind(1, scale_id);
  int i = 2;
  for (const auto& c : filter.clients) {
    st.bind(i++, c);
  }
  for (const auto& c : filter.instruments) {
    st.bind(i++, c);
  }
  if (!filter.from.empty()) {
    st.bind(i++, filter.from);
  }
  if (!filter.to.empty()) {
    st.bind(i++, filter.to);
  }
  ScoreRow row;
  while (st.step()) {
    row.client_id = st.text(0);
    row.instrument_id = st.text(1);
    row.instrument_version = st.text(2);
    row.administered_at = st.text(3);
    row.status = st.text(4);
    row.value = st.real(5);
    row.band = st.text(6);
    visit(row);
  }
}

std::vector<StoreCount> SqliteStore::counts(const StoreFilter& filter) const {
  Stmt st(impl_->db.get(),
          "SELECT a.client_id, a.instrument_id, count(*), min(a.administered_at), "
          "max(a.administered_at) FROM administration a" +
              where_clause(filter) + " GROUP BY a.client_id, a.instrument_id ORDER BY 1, 2");
  bind_filter(st, filter);
  std::vector<StoreCount> out;
  while (st.step()) {
    out.push_back({std::string(st.text(0)), std::string(st.text(1)),
                   static_cast<std::uint64_t>(st.int64(2)), std::string(st.text(3)),
                   std::string(st.text(4))});
  }
  return out;
}

}  // namespace promkit
