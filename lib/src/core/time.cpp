#include <asp/core/time.hpp>

#include <cstdio>
#include <ctime>

namespace asp {

namespace {

std::tm utc_tm(int64_t unix_seconds) {
    std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    return tm;
}

}  // namespace

std::string format_iso8601(int64_t unix_seconds) {
    const std::tm tm = utc_tm(unix_seconds);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string format_iso8601_basic(int64_t unix_seconds) {
    const std::tm tm = utc_tm(unix_seconds);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

int64_t to_unix_seconds(std::chrono::system_clock::time_point t) {
    return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string utc_now_iso8601() { return format_iso8601(static_cast<int64_t>(std::time(nullptr))); }

std::optional<int64_t> parse_iso8601(std::string_view text) {
    std::string s(text);
    int y, mo, d, h = 0, mi = 0, sec = 0;
    int consumed = 0;
    if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
                    &consumed) < 6) {
        if (std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) < 3)
            return std::nullopt;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return std::nullopt;
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    int64_t t = static_cast<int64_t>(::timegm(&tm));
    // Skip fractional seconds, then an optional offset.
    size_t pos = static_cast<size_t>(consumed);
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    }
    if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        int oh = 0, om = 0;
        if (std::sscanf(s.c_str() + pos + 1, "%2d:%2d", &oh, &om) >= 1) {
            int64_t off = oh * 3600 + om * 60;
            t += s[pos] == '+' ? -off : off;
        }
    }
    return t;
}

}  // namespace asp
