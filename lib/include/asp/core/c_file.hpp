// CFile: a stdio FILE* that closes itself, for the few places that read a file in pieces with
// fread (streaming an upload, hashing a file). Whatever leaves the scope (a return, an
// exception), the file is closed. Writing goes through AtomicFile, not this.
//
// open_c_file() returns an empty CFile when the file cannot be opened (errno says why).
// Not thread-safe: like the FILE* it holds, one CFile serves one thread at a time.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>

namespace asp {

struct CFileCloser {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using CFile = std::unique_ptr<std::FILE, CFileCloser>;

inline CFile open_c_file(const std::filesystem::path& path, const char* mode) {
    return CFile(std::fopen(path.c_str(), mode));
}

}  // namespace asp
