// sync: a data directory <-> S3, as consistent snapshots (docs/tools/sync.md,
// docs/formats/sync-manifest.md).
//
// Layout under s3://BUCKET/PREFIX:
//   objects/<sha256>          file contents, content-addressed: written once, never changed
//   manifests/<id>.json       every snapshot pushed (history)
//   MANIFEST.json             the current snapshot: every file's path, size and sha256;
//                             written LAST, after every object it names is in place
// So a pull reads one manifest and fetches exactly the bytes it names: it never mixes two
// pushes, even while another push runs. Push uploads only objects S3 does not hold yet and
// never deletes anything remotely.
//
// Locally, `.sync/state.json` in the data directory remembers each file's size, mtime, inode
// and sha256, so unchanged files are not hashed again. Files and folders whose names start
// with '.', SQLite's -wal/-shm/-journal files, *.lock and logs/ are never synced. SQLite databases
// (papers.db, users.db, in WAL mode and possibly in use) are pushed from a consistent copy
// made with VACUUM INTO, never copied raw.
//
// Failures the tool reports (S3 unreachable after retries, no snapshot at the URL, a
// checksum mismatch) are Result errors; a pull replaces files one by one through AtomicFile,
// so an interrupted pull leaves every file either old or new, never partial.
#pragma once

#include <string>
#include <vector>

#include <asp/core/data_dir.hpp>
#include <asp/core/log.hpp>
#include <asp/core/result.hpp>
#include <asp/s3/client.hpp>

namespace asp::sync {

struct SyncParams {
    DataDir data_dir;
    s3::S3Url url;
    // Glob patterns over paths relative to the data directory ("pdf/*", "users.db"); a
    // pattern naming a folder excludes everything below it.
    std::vector<std::string> excludes;
    // pull only: remove local files that the snapshot does not hold (outside the excludes).
    bool delete_extra = false;
};

struct SyncReport {
    StageSummary summary;     // done = files transferred, skipped = already in place
    uint64_t bytes = 0;       // bytes transferred
    std::string manifest_id;  // the snapshot pushed or pulled
    bool unchanged = false;   // push: the snapshot equals the current one; nothing written
    size_t deleted = 0;       // pull --delete
};

Result<SyncReport> push(s3::S3Client& client, const SyncParams& params);
Result<SyncReport> pull(s3::S3Client& client, const SyncParams& params);

// True when `relative` (a path relative to the data directory, '/'-separated) is synced at
// all under these excludes.
bool is_synced_path(const std::string& relative, const std::vector<std::string>& excludes);

}  // namespace asp::sync
