#include <chrono>
#include <set>

#include <asp/core/atomic_file.hpp>
#include <asp/core/sha256.hpp>
#include <asp/sync/sync.hpp>

#include "sync/sync_internal.hpp"

namespace asp::sync {
namespace fs = std::filesystem;

namespace {

// Whether the local file already holds the entry's bytes (hashing only when the cache cannot
// tell).
bool already_in_place(const fs::path& root, const ManifestEntry& e, LocalState& state) {
    auto stamp = stamp_of(root / e.path);
    if (!stamp || stamp->size != e.size) return false;
    if (auto known = state.sha_if_unchanged(e.path, *stamp)) return *known == e.sha256;
    std::string sha = sha256_of_file(root / e.path);
    state.remember(e.path, *stamp, sha);
    return sha == e.sha256;
}

Status fetch_one(s3::S3Client& client, const SyncParams& params, const ManifestEntry& e,
                 LocalState& state) {
    const fs::path target = params.data_dir.root() / e.path;
    std::unique_ptr<AtomicFile> out;
    std::unique_ptr<Sha256> hash;
    uint64_t received = 0;
    auto restart = [&] {
        out.reset();  // removes the previous attempt's temporary file
        out = std::make_unique<AtomicFile>(target);
        hash = std::make_unique<Sha256>();
        received = 0;
    };
    auto sink = [&](std::string_view chunk) {
        received += chunk.size();
        if (received > e.size) return false;  // more than the manifest promised
        out->write(chunk);
        hash->update(chunk);
        return true;
    };
    auto st = client.download(params.url.bucket, object_key(params.url.prefix, e.sha256), restart, sink);
    if (!st.ok()) return fail(e.path + ": " + st.error().message);
    std::string sha = hash->hex_digest();
    if (received != e.size || sha != e.sha256)
        return fail(e.path + ": checksum mismatch (got " + std::to_string(received) + " bytes, sha256 " +
                    sha + "; the snapshot says " + std::to_string(e.size) + " bytes, " + e.sha256 +
                    "): not written");
    if (is_sqlite_file(target)) checkpoint_sqlite_wal(target);
    out->commit();
    if (auto stamp = stamp_of(target)) state.remember(e.path, *stamp, e.sha256);
    return Ok{};
}

}  // namespace

Result<SyncReport> pull(s3::S3Client& client, const SyncParams& params) {
    auto t0 = std::chrono::steady_clock::now();
    const fs::path root = params.data_dir.root();
    const auto& url = params.url;
    auto text = client.get(url.bucket, key_join(url.prefix, "MANIFEST.json"));
    if (!text.ok()) return text.error();
    if (!*text) return fail("no snapshot at " + url.str() + " (no MANIFEST.json: nothing was pushed there)");
    auto manifest = manifest_from_json(**text);
    if (!manifest.ok()) return fail(url.str() + "/MANIFEST.json: " + manifest.error().message);

    fs::create_directories(root);
    LocalState state(root);
    // Files the index depends on go first and index/ last, so a serve that reloads when
    // index/ changes finds the papers it names already in place.
    std::vector<const ManifestEntry*> order;
    for (const auto& e : manifest->files)
        if (is_synced_path(e.path, params.excludes) && e.path.rfind("index/", 0) != 0) order.push_back(&e);
    for (const auto& e : manifest->files)
        if (is_synced_path(e.path, params.excludes) && e.path.rfind("index/", 0) == 0) order.push_back(&e);

    // Leftovers of an interrupted pull: temporary files in the folders we write to.
    std::set<fs::path> dirs;
    for (const auto* e : order) dirs.insert((root / e->path).parent_path());
    for (const auto& d : dirs) remove_stale_temp_files(d);

    SyncReport report;
    report.manifest_id = manifest->id;
    {
        Progress progress("pull", order.size());
        size_t since_save = 0;
        for (const auto* e : order) {
            if (already_in_place(root, *e, state)) {
                ++report.summary.skipped;
            } else {
                auto st = fetch_one(client, params, *e, state);
                if (!st.ok()) {
                    state.save();
                    return st.error();
                }
                ++report.summary.done;
                report.bytes += e->size;
                if (++since_save >= 64) {
                    state.save();
                    since_save = 0;
                }
            }
            progress.advance();
        }
        progress.finish();
    }
    if (params.delete_extra) {
        std::set<std::string> wanted;
        for (const auto& e : manifest->files) wanted.insert(e.path);
        for (const auto& rel : list_local_files(root, params.excludes)) {
            if (wanted.count(rel)) continue;
            std::error_code ec;
            if (fs::remove(root / rel, ec)) ++report.deleted;
            state.forget(rel);
        }
    }
    state.save();
    report.summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return report;
}

}  // namespace asp::sync
