// Private helpers shared by the SQLite stores (papers.db, users.db): open with WAL and a busy
// timeout, and migrate a schema forward through PRAGMA user_version.
#pragma once

#include <filesystem>
#include <memory>

#include <SQLiteCpp/SQLiteCpp.h>

#include <asp/core/time.hpp>
#include <asp/store/papers_db.hpp>

namespace asp {

std::unique_ptr<SQLite::Database> open_sqlite(const std::filesystem::path& path, OpenMode mode);

// Applies migrations[user_version .. count) in one transaction each; throws when the file is
// newer than this program (user_version > count).
void migrate_sqlite(SQLite::Database& db, const char* const* migrations, size_t count);

// Read-only opens cannot migrate: refuse a file of another schema version with a clear error.
void check_sqlite_schema(SQLite::Database& db, const std::filesystem::path& path, int expected);

}  // namespace asp
