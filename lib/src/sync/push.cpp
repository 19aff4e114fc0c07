#include <unistd.h>

#include <chrono>
#include <random>
#include <set>

#include <asp/core/clock.hpp>
#include <asp/core/sha256.hpp>
#include <asp/core/time.hpp>
#include <asp/sync/sync.hpp>

#include "sync/sync_internal.hpp"

namespace asp::sync {
namespace fs = std::filesystem;

namespace {

std::string new_manifest_id() {
    std::mt19937_64 rng{std::random_device{}()};
    return format_iso8601_basic(to_unix_seconds(system_clock().wall_now())) + "-" +
           sha256_hex(std::to_string(rng())).substr(0, 8);
}

std::string hostname() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "";
    return buf;
}

// What is to be pushed for one file: its checksum, and where to read its bytes from (the file
// itself, or a consistent SQLite copy).
struct Prepared {
    ManifestEntry entry;
    fs::path source;
    std::unique_ptr<SqliteSnapshot> snapshot;
    std::optional<FileStamp> stamp;  // of the file when hashed (not for snapshots)
};

Prepared prepare(const fs::path& root, const std::string& rel, LocalState& state) {
    Prepared p;
    fs::path file = root / rel;
    p.entry.path = rel;
    p.source = file;
    if (is_sqlite_file(file)) {
        p.snapshot = std::make_unique<SqliteSnapshot>(file, state.dir());
        p.source = p.snapshot->path();
        p.entry.size = fs::file_size(p.source);
        p.entry.sha256 = sha256_of_file(p.source);
        return p;
    }
    auto stamp = stamp_of(file);
    if (!stamp) throw std::runtime_error("cannot read " + file.string());
    p.stamp = stamp;
    p.entry.size = stamp->size;
    if (auto known = state.sha_if_unchanged(rel, *stamp)) {
        p.entry.sha256 = *known;
        return p;
    }
    p.entry.sha256 = sha256_of_file(file);
    // The file may have changed while it was hashed (a stage writing it): only a stamp that
    // held still is remembered.
    if (auto after = stamp_of(file); after && *after == *stamp) state.remember(rel, *stamp, p.entry.sha256);
    return p;
}

}  // namespace

Result<SyncReport> push(s3::S3Client& client, const SyncParams& params) {
    auto t0 = std::chrono::steady_clock::now();
    const fs::path root = params.data_dir.root();
    const auto& url = params.url;
    std::error_code ec;
    if (!fs::is_directory(root, ec)) return fail("no data directory at " + root.string());

    auto current_text = client.get(url.bucket, key_join(url.prefix, "MANIFEST.json"));
    if (!current_text.ok()) return current_text.error();
    std::optional<Manifest> current;
    if (*current_text) {
        auto m = manifest_from_json(**current_text);
        if (!m.ok()) return fail(url.str() + "/MANIFEST.json: " + m.error().message);
        current = std::move(*m);
    }
    auto listing = client.list(url.bucket, key_join(url.prefix, "objects/"));
    if (!listing.ok()) return listing.error();
    std::map<std::string, uint64_t> remote;  // key -> size
    for (const auto& o : *listing) remote[o.key] = o.size;

    LocalState state(root);
    auto files = list_local_files(root, params.excludes);
    SyncReport report;
    Manifest manifest;
    manifest.id = new_manifest_id();
    manifest.created_at = utc_now_iso8601();
    manifest.host = hostname();
    std::set<std::string> sent;  // identical files share one object
    {
        Progress progress("push", files.size());
        for (const auto& rel : files) {
            // A file that changes while it is uploaded (a stage still writing it) would leave
            // an object whose bytes are not its name's: such an object is removed and the file
            // taken again, a few times, before giving up.
            for (int attempt = 1;; ++attempt) {
                Prepared p = prepare(root, rel, state);
                std::string key = object_key(url.prefix, p.entry.sha256);
                auto it = remote.find(key);
                if ((it != remote.end() && it->second == p.entry.size) || sent.count(key)) {
                    ++report.summary.skipped;
                    manifest.files.push_back(p.entry);
                    break;
                }
                spdlog::debug("uploading {} ({} bytes) to {}", rel, p.entry.size, key);
                auto st = client.upload_file(url.bucket, key, p.source);
                if (!st.ok()) return fail(rel + ": " + st.error().message);
                if (p.stamp && stamp_of(root / rel) != p.stamp) {
                    state.forget(rel);
                    (void)client.remove(url.bucket, key);
                    if (attempt < 3) continue;
                    return fail(rel + ": the file keeps changing while it is pushed");
                }
                sent.insert(key);
                ++report.summary.done;
                report.bytes += p.entry.size;
                manifest.files.push_back(p.entry);
                break;
            }
            progress.advance();
        }
        progress.finish();
    }
    state.save();

    if (current && current->files == manifest.files) {
        report.unchanged = true;
        report.manifest_id = current->id;
    } else {
        // History first, then the pointer: MANIFEST.json only ever names complete snapshots.
        std::string body = manifest_to_json(manifest);
        auto h = client.put(url.bucket, key_join(url.prefix, "manifests/" + manifest.id + ".json"),
                            body, "application/json");
        if (!h.ok()) return h.error();
        auto m = client.put(url.bucket, key_join(url.prefix, "MANIFEST.json"), body, "application/json");
        if (!m.ok()) return m.error();
        report.manifest_id = manifest.id;
    }
    report.summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return report;
}

}  // namespace asp::sync
