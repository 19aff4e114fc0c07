#include <asp/arxiv/id.hpp>

#include <cctype>
#include <string>

namespace asp {
namespace {

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

bool valid_month(std::string_view yymm) {
    int mm = (yymm[2] - '0') * 10 + (yymm[3] - '0');
    return mm >= 1 && mm <= 12;
}

bool valid_new_style(std::string_view s) {
    // YYMM.NNNN or YYMM.NNNNN
    auto dot = s.find('.');
    if (dot != 4) return false;
    auto yymm = s.substr(0, 4), num = s.substr(5);
    if (!all_digits(yymm) || !all_digits(num) || !valid_month(yymm)) return false;
    return num.size() == 4 || num.size() == 5;
}

bool valid_archive(std::string_view a) {
    // "cs", "math", "hep-th", "math.GT", "cond-mat.str-el"
    if (a.empty()) return false;
    auto dot = a.find('.');
    auto name = a.substr(0, dot);
    if (name.empty()) return false;
    for (char c : name)
        if (!(std::islower(static_cast<unsigned char>(c)) || c == '-')) return false;
    if (dot != std::string_view::npos) {
        auto subj = a.substr(dot + 1);
        if (subj.empty()) return false;
        for (char c : subj)
            if (!(std::isalpha(static_cast<unsigned char>(c)) || c == '-')) return false;
    }
    return true;
}

bool valid_old_style(std::string_view s) {
    auto slash = s.find('/');
    if (slash == std::string_view::npos) return false;
    auto num = s.substr(slash + 1);
    return valid_archive(s.substr(0, slash)) && num.size() == 7 && all_digits(num) &&
           valid_month(num);
}

}  // namespace

bool is_valid_raw_id(std::string_view raw) { return valid_new_style(raw) || valid_old_style(raw); }

std::optional<ArxivId> parse_arxiv_id(std::string_view text) {
    // Strip URL prefixes: ".../abs/<id>", ".../pdf/<id>[.pdf]".
    for (std::string_view marker : {"/abs/", "/pdf/"}) {
        auto pos = text.find(marker);
        if (pos != std::string_view::npos) {
            text = text.substr(pos + marker.size());
            break;
        }
    }
    if (text.size() > 4 && text.substr(text.size() - 4) == ".pdf") text.remove_suffix(4);
    if (text.rfind("arXiv:", 0) == 0) text.remove_prefix(6);

    ArxivId id;
    auto v = text.find_last_of('v');
    if (v != std::string_view::npos && v + 1 < text.size() && all_digits(text.substr(v + 1)) &&
        v > 0 && std::isdigit(static_cast<unsigned char>(text[v - 1]))) {
        auto digits = text.substr(v + 1);
        if (digits.size() > 6) return std::nullopt;
        id.version = std::stoi(std::string(digits));
        if (id.version <= 0) return std::nullopt;
        text = text.substr(0, v);
    }
    if (!is_valid_raw_id(text)) return std::nullopt;
    id.raw = std::string(text);
    return id;
}

std::string ArxivId::versioned() const {
    return version > 0 ? raw + "v" + std::to_string(version) : raw;
}

std::string ArxivId::file_stem() const { return asp::file_stem(raw, version); }

}  // namespace asp
