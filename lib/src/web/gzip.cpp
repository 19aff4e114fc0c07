#include <asp/web/gzip.hpp>

#include <algorithm>
#include <cctype>

#include <asp/core/strings.hpp>

namespace asp::web {
namespace {

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
        if (iequals_ascii(name, "gzip"))
            return semi == std::string_view::npos || !zero_quality(item.substr(semi + 1));
    }
    return false;
}

}  // namespace asp::web
