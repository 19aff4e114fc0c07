// gzip (RFC 1952) in memory, over zlib: served pages (asp/web/gzip.hpp) and texts stored
// compressed (asp/core/paper_text.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace asp {

// The gzip member of `data`. Throws std::runtime_error when zlib fails (out of memory).
std::string gzip_compress(std::string_view data, int level = 6);

// The data of one or more concatenated gzip members; nullopt when `gz` is not gzip, is
// corrupt or is cut short.
std::optional<std::string> gunzip(std::string_view gz);

}  // namespace asp
