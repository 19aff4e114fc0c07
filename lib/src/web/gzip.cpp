#include <asp/web/gzip.hpp>

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace asp::web {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// "q=0", "q=0.0", "q=0.000": the coding is refused.
bool zero_quality(std::string_view params) {
    size_t pos = 0;
    while (pos < params.size()) {
        size_t semi = params.find(';', pos);
        if (semi == std::string_view::npos) semi = params.size();
        auto p = trim(params.substr(pos, semi - pos));
        pos = semi + 1;
        if (p.size() < 2 || std::tolower(static_cast<unsigned char>(p[0])) != 'q' || p[1] != '=')
            continue;
        auto v = trim(p.substr(2));
        return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c == '0' || c == '.'; });
    }
    return false;
}

}  // namespace

bool accepts_gzip(const Request& request) {
    auto header = request.header("accept-encoding");
    if (!header) return false;
    std::string_view list = *header;
    size_t pos = 0;
    while (pos <= list.size()) {
        size_t comma = list.find(',', pos);
        if (comma == std::string_view::npos) comma = list.size();
        auto item = list.substr(pos, comma - pos);
        pos = comma + 1;
        size_t semi = item.find(';');
        auto name = trim(item.substr(0, semi));
        if (iequals(name, "gzip"))
            return semi == std::string_view::npos || !zero_quality(item.substr(semi + 1));
    }
    return false;
}

std::string gzip_compress(std::string_view data, int level) {
    z_stream z{};
    // 15 window bits + 16: a gzip header and trailer instead of zlib's.
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("zlib: deflateInit2 failed");
    std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    int rc = deflate(&z, Z_FINISH);
    size_t written = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) throw std::runtime_error("zlib: deflate failed");
    out.resize(written);
    return out;
}

}  // namespace asp::web
