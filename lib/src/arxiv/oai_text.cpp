// The text conversions of arXivRaw fields: author lists, TeX accents, RFC 2822 dates.
#include <asp/arxiv/oai.hpp>

#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>

#include <fmt/format.h>

#include <asp/arxiv/atom.hpp>
#include <asp/core/strings.hpp>
#include <asp/core/time.hpp>

namespace asp {
namespace {

// Accent command -> the letters it takes and their accented forms, in the same order.
struct Accent {
    std::string_view command;
    std::string_view bases;
    std::string_view accented;  // UTF-8, one code point per base letter
};
constexpr Accent kAccents[] = {
    {"'", "aeiouyAEIOUYcnszrlgCNSZRLG", "áéíóúýÁÉÍÓÚÝćńśźŕĺǵĆŃŚŹŔĹǴ"},
    {"`", "aeiouAEIOU", "àèìòùÀÈÌÒÙ"},
    {"^", "aeiouAEIOUcgCG", "âêîôûÂÊÎÔÛĉĝĈĜ"},
    {"\"", "aeiouyAEIOUY", "äëïöüÿÄËÏÖÜŸ"},
    {"~", "anoANO", "ãñõÃÑÕ"},
    {"=", "aeiouAEIOU", "āēīōūĀĒĪŌŪ"},
    {".", "zZeEcCgGI", "żŻėĖċĊġĠİ"},
    {"u", "aAgGuU", "ăĂğĞŭŬ"},
    {"v", "cCsSzZrReEnNdDtT", "čČšŠžŽřŘěĚňŇďĎťŤ"},
    {"H", "oOuU", "őŐűŰ"},
    {"c", "cCsStTeE", "çÇşŞţŢȩȨ"},
    {"k", "aAeE", "ąĄęĘ"},
    {"r", "aAuU", "åÅůŮ"},
};

// Letters written as commands.
constexpr std::pair<std::string_view, std::string_view> kLetters[] = {
    {"o", "ø"}, {"O", "Ø"}, {"ss", "ß"}, {"aa", "å"}, {"AA", "Å"}, {"ae", "æ"}, {"AE", "Æ"},
    {"oe", "œ"}, {"OE", "Œ"}, {"l", "ł"}, {"L", "Ł"}, {"i", "ı"}, {"j", "ȷ"},
};

size_t utf8_length(unsigned char lead) {
    return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

// The i-th code point of a UTF-8 string.
std::string_view nth_code_point(std::string_view s, size_t i) {
    size_t pos = 0;
    for (; i > 0 && pos < s.size(); --i) pos += utf8_length(static_cast<unsigned char>(s[pos]));
    return s.substr(pos, utf8_length(static_cast<unsigned char>(s[pos])));
}

const Accent* find_accent(std::string_view command) {
    for (const auto& a : kAccents)
        if (a.command == command) return &a;
    return nullptr;
}

// The argument of an accent at text[pos]: "{x}", "{\i}", "x", " x"; returns the base letter
// (dotless i/j as i/j) and moves pos past it; 0 when there is none.
char accent_argument(std::string_view text, size_t& pos, bool letter_command) {
    size_t p = pos;
    if (letter_command)
        while (p < text.size() && text[p] == ' ') ++p;
    bool braced = p < text.size() && text[p] == '{';
    if (braced) ++p;
    char base = 0;
    if (p + 1 < text.size() && text[p] == '\\' && (text[p + 1] == 'i' || text[p + 1] == 'j') &&
        (p + 2 >= text.size() || !std::isalpha(static_cast<unsigned char>(text[p + 2])))) {
        base = text[p + 1];
        p += 2;
        while (braced && p < text.size() && text[p] == ' ') ++p;
    } else if (p < text.size() && std::isalpha(static_cast<unsigned char>(text[p]))) {
        base = text[p++];
    }
    if (!base) return 0;
    if (braced) {
        if (p >= text.size() || text[p] != '}') return 0;
        ++p;
    }
    pos = p;
    return base;
}

void trim_into(std::string& out, std::string_view s) {
    std::string name = fold_whitespace(s);
    if (!name.empty()) out = std::move(name);
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

std::string tex_accents_to_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        char c = text[i];
        if (c != '\\' || i + 1 >= text.size()) {
            if (c != '{' && c != '}') out += c;  // braces only group in names
            ++i;
            continue;
        }
        size_t p = i + 1;
        std::string_view command;
        bool letter_command = std::isalpha(static_cast<unsigned char>(text[p]));
        if (letter_command) {
            while (p < text.size() && std::isalpha(static_cast<unsigned char>(text[p]))) ++p;
            command = text.substr(i + 1, p - i - 1);
        } else {
            command = text.substr(p++, 1);
        }
        if (const Accent* a = find_accent(command)) {
            size_t q = p;
            char base = accent_argument(text, q, letter_command);
            auto at = base ? a->bases.find(base) : std::string_view::npos;
            if (at != std::string_view::npos) {
                out += nth_code_point(a->accented, at);
                i = q;
                continue;
            }
        }
        if (letter_command) {
            bool done = false;
            for (auto [name, utf8] : kLetters) {
                if (command == name) {
                    out += utf8;
                    // "\o le" or "\ss{}": the space or empty group only ends the command
                    if (p + 1 < text.size() && text[p] == '{' && text[p + 1] == '}') p += 2;
                    else if (p < text.size() && text[p] == ' ') ++p;
                    done = true;
                    break;
                }
            }
            if (done) {
                i = p;
                continue;
            }
        } else if (command == "&" || command == "_" || command == "%" || command == "$") {
            out += command;
            i = p;
            continue;
        }
        out.append(text.substr(i, p - i));  // unknown: keep it as written
        i = p;
    }
    return out;
}

std::vector<std::string> split_arxiv_authors(std::string_view authors) {
    std::vector<std::string> names;
    std::string current;
    int depth = 0;
    auto flush = [&] {
        std::string name;
        trim_into(name, tex_accents_to_utf8(current));
        if (!name.empty()) names.push_back(std::move(name));
        current.clear();
    };
    for (size_t i = 0; i < authors.size(); ++i) {
        char c = authors[i];
        if (c == '(') {
            ++depth;
            continue;
        }
        if (c == ')') {
            if (depth > 0) --depth;
            continue;
        }
        if (depth > 0) continue;  // an affiliation
        if (c == ',' || c == ';') {
            flush();
            continue;
        }
        if (std::isspace(static_cast<unsigned char>(c)) && authors.substr(i + 1, 4) == "and " &&
            i + 4 < authors.size()) {
            flush();
            i += 4;
            continue;
        }
        if (c == 'a' && current.empty() && authors.substr(i, 4) == "and ") {  // ", and B"
            i += 3;
            continue;
        }
        current += std::isspace(static_cast<unsigned char>(c)) ? ' ' : c;
    }
    flush();
    return names;
}

std::optional<std::string> rfc2822_to_iso8601(std::string_view text) {
    std::string s = fold_whitespace(text);
    std::string_view v = s;
    if (auto comma = v.find(','); comma != std::string_view::npos) v.remove_prefix(comma + 1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    auto next_word = [&]() {
        auto sp = v.find(' ');
        std::string_view w = v.substr(0, sp);
        v = sp == std::string_view::npos ? std::string_view{} : v.substr(sp + 1);
        return w;
    };
    auto to_int = [](std::string_view w, int& out) {
        auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), out);
        return !w.empty() && ec == std::errc() && end == w.data() + w.size();
    };
    int day = 0, year = 0, hh = 0, mm = 0, ss = 0;
    if (!to_int(next_word(), day)) return std::nullopt;
    std::string_view mon = next_word();
    static constexpr std::array<std::string_view, 12> kMonths = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    unsigned month = 0;
    for (unsigned m = 0; m < 12; ++m)
        if (mon == kMonths[m]) month = m + 1;
    if (month == 0 || !to_int(next_word(), year)) return std::nullopt;
    std::string_view time = next_word();
    if (time.size() != 8 && time.size() != 5) return std::nullopt;
    if (!to_int(time.substr(0, 2), hh) || time[2] != ':' || !to_int(time.substr(3, 2), mm))
        return std::nullopt;
    if (time.size() == 8 && (time[5] != ':' || !to_int(time.substr(6, 2), ss))) return std::nullopt;
    std::string_view zone = next_word();
    int offset = 0;
    if (zone.size() == 5 && (zone[0] == '+' || zone[0] == '-')) {
        int z = 0;
        if (!to_int(zone.substr(1), z)) return std::nullopt;
        offset = (z / 100 * 60 + z % 100) * 60 * (zone[0] == '-' ? -1 : 1);
    } else if (!zone.empty() && zone != "GMT" && zone != "UT" && zone != "UTC" && zone != "Z") {
        return std::nullopt;
    }
    if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 || year < 1900 || year > 9999)
        return std::nullopt;
    int64_t t = days_from_civil(year, month, static_cast<unsigned>(day)) * 86400 + hh * 3600 +
                mm * 60 + ss - offset;
    return format_iso8601(t);
}

}  // namespace asp
