#include "store/sqlite_util.hpp"

#include <stdexcept>
#include <string>

namespace asp {

std::unique_ptr<SQLite::Database> open_sqlite(const std::filesystem::path& path, OpenMode mode) {
    int flags = mode == OpenMode::ReadOnly ? SQLite::OPEN_READONLY
                                           : (SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    if (mode == OpenMode::ReadWrite && path.has_parent_path())
        std::filesystem::create_directories(path.parent_path());
    auto db = std::make_unique<SQLite::Database>(path.string(), flags | SQLite::OPEN_FULLMUTEX,
                                                 /*busyTimeoutMs=*/30000);
    if (mode == OpenMode::ReadWrite) {
        db->exec("PRAGMA journal_mode=WAL");
        db->exec("PRAGMA synchronous=NORMAL");
    }
    db->exec("PRAGMA foreign_keys=ON");
    return db;
}

void migrate_sqlite(SQLite::Database& db, const char* const* migrations, size_t count) {
    int version = db.execAndGet("PRAGMA user_version").getInt();
    if (version > static_cast<int>(count))
        throw std::runtime_error(db.getFilename() + ": schema version " +
                                 std::to_string(version) +
                                 " is newer than this program knows (" + std::to_string(count) +
                                 "); upgrade the tools");
    for (int v = version; v < static_cast<int>(count); ++v) {
        SQLite::Transaction tx(db);
        db.exec(migrations[v]);
        db.exec("PRAGMA user_version = " + std::to_string(v + 1));
        tx.commit();
    }
}

void check_sqlite_schema(SQLite::Database& db, const std::filesystem::path& path, int expected) {
    int version = db.execAndGet("PRAGMA user_version").getInt();
    if (version != expected)
        throw std::runtime_error(path.string() + ": schema version " + std::to_string(version) +
                                 ", expected " + std::to_string(expected) +
                                 " (run fetch once to migrate it)");
}

}  // namespace asp
