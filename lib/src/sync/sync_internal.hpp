// Private pieces of sync shared by push and pull: the manifest, the local state cache, the
// walk over the data directory, hashing and SQLite snapshots.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <asp/core/result.hpp>

namespace asp::sync {

struct ManifestEntry {
    std::string path;  // relative, '/'-separated
    uint64_t size = 0;
    std::string sha256;
    bool operator==(const ManifestEntry&) const = default;
};

struct Manifest {
    std::string id;
    std::string created_at;
    std::string host;
    std::vector<ManifestEntry> files;  // sorted by path
};

std::string manifest_to_json(const Manifest& m);
Result<Manifest> manifest_from_json(const std::string& text);

// The keys under the prefix.
std::string key_join(const std::string& prefix, const std::string& rest);
std::string object_key(const std::string& prefix, const std::string& sha256);

// .sync/state.json: what we know about local files, to skip re-hashing.
struct FileStamp {
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    uint64_t inode = 0;
    bool operator==(const FileStamp&) const = default;
};
struct KnownFile {
    FileStamp stamp;
    std::string sha256;
    int64_t checked_ns = 0;  // wall clock when the hash was taken
};

class LocalState {
public:
    explicit LocalState(std::filesystem::path root);
    // The file's sha256 when the cache knows it for this exact stamp, and the file had last
    // changed well before it was hashed: a file rewritten within the same clock tick as its
    // hashing keeps its stamp, so such "racily clean" entries are hashed again (as git does).
    std::optional<std::string> sha_if_unchanged(const std::string& relative, const FileStamp& stamp) const;
    void remember(const std::string& relative, const FileStamp& stamp, const std::string& sha256);
    void forget(const std::string& relative);
    void save();  // atomically
    std::filesystem::path dir() const { return root_ / ".sync"; }

private:
    std::filesystem::path root_;
    std::map<std::string, KnownFile> files_;
};

std::optional<FileStamp> stamp_of(const std::filesystem::path& file);
std::string sha256_of_file(const std::filesystem::path& file);
bool is_sqlite_file(const std::filesystem::path& file);

// Every synced regular file under root (relative paths, sorted).
std::vector<std::string> list_local_files(const std::filesystem::path& root,
                                          const std::vector<std::string>& excludes);

// A consistent copy of a live SQLite database: its exact bytes (WAL checkpointed, copied under
// the write lock), or, when writers keep it busy, a copy of its rows (VACUUM INTO, in
// rollback-journal mode). Removed when the object goes away.
class SqliteSnapshot {
public:
    SqliteSnapshot(const std::filesystem::path& db, const std::filesystem::path& temp_dir);
    ~SqliteSnapshot();
    SqliteSnapshot(const SqliteSnapshot&) = delete;
    SqliteSnapshot& operator=(const SqliteSnapshot&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// Before a SQLite file is replaced: fold its WAL back into it, so no stale -wal file is left
// beside the new database (SQLite would replay it into the wrong file).
void checkpoint_sqlite_wal(const std::filesystem::path& db);

}  // namespace asp::sync
