#include "sync/sync_internal.hpp"

#include <fnmatch.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <asp/core/atomic_file.hpp>
#include <asp/core/c_file.hpp>
#include <asp/core/sha256.hpp>
#include <asp/sync/sync.hpp>

namespace asp::sync {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {
constexpr const char* kManifestFormat = "arxiv-sanity-cpp sync manifest";
constexpr int kManifestVersion = 1;

bool safe_relative_path(const std::string& p) {
    if (p.empty() || p.front() == '/' || p.back() == '/') return false;
    size_t pos = 0;
    while (pos <= p.size()) {
        size_t next = p.find('/', pos);
        if (next == std::string::npos) next = p.size();
        auto seg = p.substr(pos, next - pos);
        if (seg.empty() || seg[0] == '.') return false;  // also rejects "." and ".."
        pos = next + 1;
    }
    return p.find('\0') == std::string::npos;
}
}  // namespace

bool is_synced_path(const std::string& relative, const std::vector<std::string>& excludes) {
    if (!safe_relative_path(relative)) return false;
    // Per-host pipeline logs (Makefile.pipeline writes logs/ while sync pushes).
    if (relative.starts_with("logs/")) return false;
    std::string name = relative.substr(relative.rfind('/') + 1);
    if (name.ends_with("-wal") || name.ends_with("-shm") || name.ends_with("-journal") ||
        name.ends_with(".lock"))
        return false;
    for (const auto& pattern : excludes) {
        std::string pat = pattern;
        while (!pat.empty() && pat.back() == '/') pat.pop_back();
        if (pat.empty()) continue;
        if (fnmatch(pat.c_str(), relative.c_str(), 0) == 0) return false;
        // A pattern naming a folder excludes what is below it.
        for (size_t slash = relative.find('/'); slash != std::string::npos;
             slash = relative.find('/', slash + 1))
            if (fnmatch(pat.c_str(), relative.substr(0, slash).c_str(), 0) == 0) return false;
    }
    return true;
}

std::string manifest_to_json(const Manifest& m) {
    json files = json::array();
    for (const auto& f : m.files)
        files.push_back({{"path", f.path}, {"size", f.size}, {"sha256", f.sha256}});
    json j = {{"format", kManifestFormat}, {"version", kManifestVersion}, {"id", m.id},
              {"created_at", m.created_at}, {"host", m.host}, {"files", files}};
    return j.dump(1) + "\n";
}

Result<Manifest> manifest_from_json(const std::string& text) {
    auto j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail("manifest is not JSON");
    if (j.value("format", "") != kManifestFormat) return fail("not a sync manifest");
    if (j.value("version", 0) != kManifestVersion)
        return fail("manifest version " + std::to_string(j.value("version", 0)) +
                    " (this sync reads version " + std::to_string(kManifestVersion) + ")");
    Manifest m;
    m.id = j.value("id", "");
    m.created_at = j.value("created_at", "");
    m.host = j.value("host", "");
    if (!j.contains("files") || !j["files"].is_array()) return fail("manifest has no file list");
    for (const auto& f : j["files"]) {
        if (!f.is_object() || !f.contains("path") || !f.contains("size") || !f.contains("sha256") ||
            !f["path"].is_string() || !f["size"].is_number_unsigned() || !f["sha256"].is_string())
            return fail("manifest entry malformed");
        ManifestEntry e{f["path"].get<std::string>(), f["size"].get<uint64_t>(),
                        f["sha256"].get<std::string>()};
        if (!safe_relative_path(e.path)) return fail("manifest names an unsafe path: " + e.path);
        if (e.sha256.size() != 64 || e.sha256.find_first_not_of("0123456789abcdef") != std::string::npos)
            return fail("manifest entry has a bad sha256: " + e.path);
        m.files.push_back(std::move(e));
    }
    return m;
}

std::string key_join(const std::string& prefix, const std::string& rest) {
    return prefix.empty() ? rest : prefix + "/" + rest;
}

std::string object_key(const std::string& prefix, const std::string& sha256) {
    return key_join(prefix, "objects/" + sha256);
}

LocalState::LocalState(fs::path root) : root_(std::move(root)) {
    std::error_code ec;
    fs::path file = dir() / "state.json";
    if (!fs::exists(file, ec)) return;
    json j = json::parse(read_file(file), nullptr, false);
    // A damaged cache only costs re-hashing: start empty.
    if (j.is_discarded() || !j.is_object() || !j.contains("files") || !j["files"].is_object()) return;
    for (const auto& [path, v] : j["files"].items()) {
        if (!v.is_object()) continue;
        KnownFile k;
        k.stamp.size = v.value("size", uint64_t{0});
        k.stamp.mtime_ns = v.value("mtime_ns", int64_t{0});
        k.stamp.inode = v.value("inode", uint64_t{0});
        k.sha256 = v.value("sha256", "");
        k.checked_ns = v.value("checked_ns", int64_t{0});
        files_[path] = k;
    }
}

std::optional<std::string> LocalState::sha_if_unchanged(const std::string& relative,
                                                        const FileStamp& stamp) const {
    auto it = files_.find(relative);
    if (it == files_.end() || !(it->second.stamp == stamp) || it->second.sha256.empty())
        return std::nullopt;
    if (it->second.checked_ns < stamp.mtime_ns + 2'000'000'000) return std::nullopt;
    return it->second.sha256;
}

void LocalState::remember(const std::string& relative, const FileStamp& stamp, const std::string& sha256) {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    files_[relative] = KnownFile{stamp, sha256,
                                 std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()};
}

void LocalState::forget(const std::string& relative) { files_.erase(relative); }

void LocalState::save() {
    json files = json::object();
    for (const auto& [path, k] : files_)
        files[path] = {{"size", k.stamp.size}, {"mtime_ns", k.stamp.mtime_ns},
                       {"inode", k.stamp.inode}, {"sha256", k.sha256},
                       {"checked_ns", k.checked_ns}};
    write_file_atomic(dir() / "state.json", json{{"version", 1}, {"files", files}}.dump() + "\n");
}

std::optional<FileStamp> stamp_of(const fs::path& file) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    FileStamp s;
    s.size = static_cast<uint64_t>(st.st_size);
    s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    s.inode = static_cast<uint64_t>(st.st_ino);
    return s;
}

std::string sha256_of_file(const fs::path& file) {
    CFile f = open_c_file(file, "rb");
    if (!f) throw std::runtime_error("cannot read " + file.string() + ": " + std::strerror(errno));
    Sha256 h;
    std::string buf(1 << 20, '\0');
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0)
        h.update(std::string_view(buf.data(), n));
    if (std::ferror(f.get())) throw std::runtime_error("cannot read " + file.string());
    return h.hex_digest();
}

bool is_sqlite_file(const fs::path& file) {
    CFile f = open_c_file(file, "rb");
    if (!f) return false;
    char magic[16] = {};
    size_t n = std::fread(magic, 1, sizeof magic, f.get());
    return n == sizeof magic && std::memcmp(magic, "SQLite format 3", 16) == 0;
}

std::vector<std::string> list_local_files(const fs::path& root, const std::vector<std::string>& excludes) {
    std::vector<std::string> out;
    std::error_code ec;
    if (!fs::is_directory(root, ec)) return out;
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        const auto name = it->path().filename().string();
        if (!name.empty() && name[0] == '.') {
            if (it->is_directory(ec)) it.disable_recursion_pending();
            continue;
        }
        if (!it->is_regular_file(ec)) continue;
        std::string rel = fs::relative(it->path(), root, ec).generic_string();
        if (is_synced_path(rel, excludes)) out.push_back(rel);
    }
    if (ec) throw std::runtime_error("cannot list " + root.string() + ": " + ec.message());
    std::sort(out.begin(), out.end());
    return out;
}

namespace {
struct SqliteHandle {
    sqlite3* db = nullptr;
    ~SqliteHandle() { sqlite3_close(db); }
};

void exec_or_throw(sqlite3* db, const std::string& sql, const fs::path& what) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errmsg(db);
        sqlite3_free(err);
        throw std::runtime_error("SQLite snapshot of " + what.string() + ": " + msg);
    }
}

std::string sql_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        out += c;
        if (c == '\'') out += '\'';
    }
    return out + "'";
}
}  // namespace

namespace {
// The database's own bytes, when they can be had consistently: its WAL folded in and emptied,
// then, under the write lock (BEGIN IMMEDIATE: no writer can commit, so the main file cannot
// change), a plain copy. Returns false, having copied nothing, when that is not possible now
// (no write access, readers keeping the WAL busy, a writer committing in between).
bool copy_quiescent(const fs::path& db, const fs::path& to) {
    SqliteHandle h;
    if (sqlite3_open_v2(db.c_str(), &h.db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) return false;
    sqlite3_busy_timeout(h.db, 1000);  // a stage's transaction takes milliseconds
    if (sqlite3_exec(h.db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr) != SQLITE_OK)
        return false;
    if (sqlite3_exec(h.db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) return false;
    std::error_code ec;
    fs::path wal = db.string() + "-wal";
    bool ok = !fs::exists(wal, ec) || fs::file_size(wal, ec) == 0;
    if (ok) ok = fs::copy_file(db, to, fs::copy_options::overwrite_existing, ec) && !ec;
    sqlite3_exec(h.db, "ROLLBACK", nullptr, nullptr, nullptr);
    if (!ok) fs::remove(to, ec);
    return ok;
}
}  // namespace

SqliteSnapshot::SqliteSnapshot(const fs::path& db, const fs::path& temp_dir) {
    fs::create_directories(temp_dir);
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    path_ = temp_dir / ("snapshot-" + std::to_string(rng()) + ".db");
    if (copy_quiescent(db, path_)) return;
    // A database in constant use: a consistent copy of its rows instead of its bytes.
    SqliteHandle src;
    if (sqlite3_open_v2(db.c_str(), &src.db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
        throw std::runtime_error("cannot open SQLite database " + db.string());
    sqlite3_busy_timeout(src.db, 30000);
    exec_or_throw(src.db, "VACUUM INTO " + sql_quote(path_.string()), db);
    SqliteHandle dst;
    if (sqlite3_open_v2(path_.c_str(), &dst.db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
        throw std::runtime_error("cannot open snapshot " + path_.string());
    // The copy travels as one self-contained file; the reader's own code turns WAL back on.
    exec_or_throw(dst.db, "PRAGMA journal_mode=DELETE", db);
}

SqliteSnapshot::~SqliteSnapshot() {
    std::error_code ec;
    fs::remove(path_, ec);
    fs::remove(path_.string() + "-journal", ec);
}

void checkpoint_sqlite_wal(const fs::path& db) {
    std::error_code ec;
    fs::path wal = db.string() + "-wal";
    if (!fs::exists(wal, ec) || fs::file_size(wal, ec) == 0) return;
    SqliteHandle h;
    if (sqlite3_open_v2(db.c_str(), &h.db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) return;
    sqlite3_busy_timeout(h.db, 10000);
    sqlite3_exec(h.db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
    sqlite3_close(h.db);
    h.db = nullptr;
    if (fs::exists(wal, ec) && fs::file_size(wal, ec) > 0)
        throw std::runtime_error("cannot replace " + db.string() +
                                 ": its write-ahead log is in use by a writer");
}

}  // namespace asp::sync
