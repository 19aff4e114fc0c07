#include "ml/search_words.hpp"

#include <cstring>

namespace asp::ml {

std::vector<std::string> search_words(std::string_view text) {
    static constexpr const char* kPunct = "!\"#$%&'()*+,./:;<=>?@[\\]^_`{|}~";
    std::vector<std::string> out;
    std::string cur;
    auto flush = [&] {
        if (!cur.empty()) out.push_back(std::move(cur));
        cur.clear();
    };
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            flush();
        } else if (c < 0x80 && std::strchr(kPunct, c)) {
            continue;
        } else {
            cur.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : ch);
        }
    }
    flush();
    return out;
}

}  // namespace asp::ml
