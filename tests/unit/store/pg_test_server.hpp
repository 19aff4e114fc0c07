// A throw-away PostgreSQL for the user-store tests: initdb + pg_ctl (as user postgres, which
// initdb requires) in a temporary folder, on a free loopback port, stopped at exit. Absent
// (nullptr) when not root or when PostgreSQL 15's binaries are missing: tests then skip
// their PostgreSQL half with a WARN.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "unit/test_support.hpp"

namespace asp::test {

class PgTestServer {
public:
    // The process-wide instance, started on first use; nullptr when unavailable.
    static PgTestServer* get() {
        static std::unique_ptr<PgTestServer> instance = start();
        return instance.get();
    }

    ~PgTestServer() { sh(as_postgres(bin("pg_ctl") + " -D " + data() + " -m immediate stop") + " >/dev/null 2>&1"); }

    // A fresh, empty database; returns its URL.
    std::string create_database() {
        std::string name = "asp_test_" + std::to_string(++databases_);
        sh(bin("psql") + " -q -h 127.0.0.1 -p " + std::to_string(port_) + " -U postgres -c 'CREATE DATABASE " +
           name + "' >/dev/null");
        return url(name);
    }
    std::string url(const std::string& db) const {
        return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + db;
    }
    // Restart (connections held by clients break).
    void restart() { sh(as_postgres(bin("pg_ctl") + " -D " + data() + " -m fast -w restart") + " >/dev/null 2>&1"); }

private:
    static constexpr const char* kBin = "/usr/lib/postgresql/15/bin/";
    static std::string bin(const std::string& name) { return std::string(kBin) + name; }
    // `cmd` run by user postgres (single quotes in it are escaped for the shell).
    static std::string as_postgres(const std::string& cmd) {
        std::string q = "'";
        for (char c : cmd) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
        return "su postgres -s /bin/sh -c " + q + "'";
    }
    std::string data() const { return (dir_.path() / "pgdata").string(); }
    static int sh(const std::string& cmd) { return std::system(cmd.c_str()); }

    static int free_port() {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
        socklen_t len = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        ::close(fd);
        return ntohs(a.sin_port);
    }

    static std::unique_ptr<PgTestServer> start() {
        if (::geteuid() != 0 || !std::filesystem::exists(bin("initdb")) || sh("id postgres >/dev/null 2>&1") != 0)
            return nullptr;
        auto s = std::unique_ptr<PgTestServer>(new PgTestServer());
        s->port_ = free_port();
        std::string d = s->dir_.path().string();
        sh("chmod 755 " + d + " && chown postgres " + d);
        if (sh(as_postgres(bin("initdb") + " -D " + s->data() + " -A trust -U postgres") + " >/dev/null 2>&1") != 0)
            return nullptr;
        std::string opts = "-p " + std::to_string(s->port_) + " -k " + d + " -c listen_addresses=127.0.0.1";
        if (sh(as_postgres(bin("pg_ctl") + " -D " + s->data() + " -o '" + opts + "' -l " + d + "/pg.log -w start") +
               " >/dev/null 2>&1") != 0)
            return nullptr;
        return s;
    }

    PgTestServer() = default;
    TempDir dir_;
    int port_ = 0;
    int databases_ = 0;
};

}  // namespace asp::test
