// Private to the store: one PostgreSQL connection (libpqxx 6.4) shared by the PostgreSQL
// stores of one process (users, discussions), with its mutex, the schema migration and a
// transaction helper that reconnects once when the server went away (a restart, a failover).
#pragma once

#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#pragma GCC diagnostic ignored "-Wdeprecated"
#include <pqxx/pqxx>
#pragma GCC diagnostic pop

namespace asp {

class PgSession {
public:
    // Connects; throws std::runtime_error (password redacted) when it cannot.
    explicit PgSession(std::string url);

    // Applies migrations[version .. count) under an advisory lock, so instances starting
    // together do not race; the version sits in the table asp_schema_version.
    void migrate(const char* const* migrations, int count);

    // Runs `body(pqxx::work&)` in a transaction and commits; a connection lost is reopened
    // and the transaction tried once more.
    template <class T, class F>
    T with_tx(F&& body) {
        std::lock_guard lock(mu_);
        reconnect_if_closed();
        for (int attempt = 0;; ++attempt) {
            try {
                pqxx::work w(*conn_);
                T out = body(w);
                w.commit();
                return out;
            } catch (const pqxx::broken_connection& e) {
                if (attempt > 0) throw std::runtime_error("PostgreSQL " + redacted() + ": " + first_line(e.what()));
                connect();
            }
        }
    }

private:
    void connect();
    void reconnect_if_closed();
    std::string redacted() const;  // the URL without its password, for messages
    static std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

    std::string url_;
    std::mutex mu_;  // one connection, used from serve's worker threads
    std::unique_ptr<pqxx::connection> conn_;
};

}  // namespace asp
