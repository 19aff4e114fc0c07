#include "store/pg_session.hpp"

#include <poll.h>

namespace asp {
namespace {
// An arbitrary constant: the key of the advisory lock held while migrating.
constexpr long long kMigrationLock = 0x61737075736572;  // "aspuser"
}  // namespace

PgSession::PgSession(std::string url) : url_(std::move(url)) { connect(); }

void PgSession::connect() {
    try {
        conn_ = std::make_unique<pqxx::connection>(url_);
    } catch (const pqxx::broken_connection& e) {
        throw std::runtime_error("cannot connect to PostgreSQL " + redacted() + ": " + first_line(e.what()));
    }
}

std::string PgSession::redacted() const {
    auto at = url_.find('@');
    auto scheme = url_.find("://");
    if (at == std::string::npos || scheme == std::string::npos) return url_;
    auto colon = url_.find(':', scheme + 3);
    if (colon == std::string::npos || colon > at) return url_;
    return url_.substr(0, colon) + ":***" + url_.substr(at);
}

void PgSession::migrate(const char* const* migrations, int count) {
    std::lock_guard lock(mu_);
    pqxx::work w(*conn_);
    w.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLock) + ")");
    w.exec("CREATE TABLE IF NOT EXISTS asp_schema_version (version INTEGER NOT NULL)");
    auto r = w.exec("SELECT version FROM asp_schema_version");
    int version = r.empty() ? 0 : r[0][0].as<int>();
    if (r.empty()) w.exec("INSERT INTO asp_schema_version VALUES (0)");
    if (version > count)
        throw std::runtime_error(redacted() + ": user schema version " + std::to_string(version) +
                                 " is newer than this program knows (" + std::to_string(count) +
                                 "); upgrade the tools");
    for (int v = version; v < count; ++v) {
        w.exec(migrations[v]);
        w.exec("UPDATE asp_schema_version SET version = " + std::to_string(v + 1));
    }
    w.commit();
}

// An idle connection has nothing to read: readable means the server closed it or sent its
// last words (a restart's "terminating connection"). Reconnecting before the next transaction
// spares it a failure (and libpqxx 6.4's leak on that path).
void PgSession::reconnect_if_closed() {
    int fd = conn_->sock();
    pollfd p{fd, POLLIN, 0};
    if (fd < 0 || ::poll(&p, 1, 0) != 0) connect();
}

}  // namespace asp
