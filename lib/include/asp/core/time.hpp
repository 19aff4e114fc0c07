// Time helpers: ISO 8601 UTC strings, the one timestamp format of the data directory.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace asp {

// "2026-11-27T18:49:28Z"
std::string utc_now_iso8601();
std::string format_iso8601(int64_t unix_seconds);
// The basic format, "20261127T184928Z" (SigV4's x-amz-date, sync's manifest ids).
std::string format_iso8601_basic(int64_t unix_seconds);
// Whole seconds since the epoch (rounded down), e.g. of Clock::wall_now().
int64_t to_unix_seconds(std::chrono::system_clock::time_point t);
// Parses "YYYY-MM-DDTHH:MM:SSZ" (also with a numeric offset or fractional seconds).
std::optional<int64_t> parse_iso8601(std::string_view text);

}  // namespace asp
