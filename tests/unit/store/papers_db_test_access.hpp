// The connection under a PapersDb, for tests only (raw checks of the stored bytes, commit
// hooks): the library itself reaches papers.db only through PapersDb's methods.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <asp/store/papers_db.hpp>

namespace asp {

struct PapersDbTestAccess {
    static SQLite::Database& database(PapersDb& db) { return *db.db_; }
};

}  // namespace asp
