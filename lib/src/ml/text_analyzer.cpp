#include <asp/ml/text_analyzer.hpp>

#include <array>
#include <memory>
#include <mutex>
#include <stdexcept>

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <asp/core/utf8.hpp>

#include "ml/stop_words.hpp"

namespace asp::ml {
namespace {

using asp::decode_utf8;  // U+FFFD per bad byte, as Python's "replace" error handler

// Python's \w for str patterns: str.isalnum() (letters L*, or any Numeric_Type) or '_'.
bool is_python_word_char(char32_t c) {
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_';
    const auto uc = static_cast<UChar32>(c);
    if (U_GET_GC_MASK(uc) & U_GC_L_MASK) return true;
    return u_getIntPropertyValue(uc, UCHAR_NUMERIC_TYPE) != U_NT_NONE;
}

// The preprocessing of one non-ASCII code point: lowercase (full mapping) and/or NFKD with
// combining marks dropped. Per code point is exact for what tokens can see: the only
// context-dependent lowercasing (final sigma) yields a Greek letter either way, and NFKD's
// canonical reordering only moves marks that are dropped.
std::u32string map_code_point(char32_t c, bool lowercase, bool strip) {
    icu::UnicodeString s(static_cast<UChar32>(c));
    if (lowercase) s.toLower(icu::Locale::getRoot());
    if (strip) {
        UErrorCode status = U_ZERO_ERROR;
        const icu::Normalizer2* nfkd = icu::Normalizer2::getNFKDInstance(status);
        if (U_FAILURE(status)) throw std::runtime_error("ICU: no NFKD normalizer");
        icu::UnicodeString d = nfkd->normalize(s, status);
        if (U_FAILURE(status)) throw std::runtime_error("ICU: NFKD failed");
        s = d;
    }
    std::u32string out;
    for (int32_t i = 0; i < s.length();) {
        UChar32 cp = s.char32At(i);
        i += U16_LENGTH(cp);
        if (strip && u_getCombiningClass(cp) != 0) continue;
        out.push_back(static_cast<char32_t>(cp));
    }
    return out;
}

// Per-code-point mapping of the Basic Multilingual Plane for one (lowercase, strip) setting,
// built once; code points beyond it are mapped on the fly (rare: math alphanumerics).
struct BmpTable {
    std::vector<std::u32string> mapped;  // empty when the code point maps to itself
    std::vector<bool> identity;
    std::vector<bool> word;
};

const BmpTable& bmp_table(bool lowercase, bool strip) {
    static std::once_flag once[4];
    static std::unique_ptr<BmpTable> tables[4];
    const int key = (lowercase ? 1 : 0) | (strip ? 2 : 0);
    std::call_once(once[key], [&] {
        auto t = std::make_unique<BmpTable>();
        t->mapped.resize(0x10000);
        t->identity.assign(0x10000, true);
        t->word.assign(0x10000, false);
        for (char32_t c = 0; c < 0x10000; ++c) {
            t->word[c] = is_python_word_char(c);
            if (c < 0x80 || (c >= 0xD800 && c <= 0xDFFF)) continue;
            std::u32string m = map_code_point(c, lowercase, strip);
            if (m.size() == 1 && m[0] == c) continue;
            t->identity[c] = false;
            t->mapped[c] = std::move(m);
        }
        tables[key] = std::move(t);
    });
    return *tables[key];
}

// Builds tokens from a stream of preprocessed code points.
class Tokenizer {
public:
    Tokenizer(TokenPattern pattern, bool stop_words, TextAnalyzer::Scratch& s)
        : pattern_(pattern), stop_words_(stop_words), s_(s) {
        s_.text.clear();
        s_.token_ends.clear();
    }

    void ascii(char c, bool word) {
        if (!word) {
            end_run();
            return;
        }
        if (run_len_ == 0) run_ok_ = !(c >= '0' && c <= '9');
        s_.text.push_back(c);
        ++run_len_;
    }

    void other(char32_t c, bool word) {
        if (!word) {
            end_run();
            return;
        }
        run_ok_ = false;  // the original pattern takes ASCII runs only
        put_utf8(c);
        ++run_len_;
    }

    void end_run() {
        if (run_len_ == 0) return;
        const size_t begin = s_.token_ends.empty() ? 0 : s_.token_ends.back();
        bool keep = run_len_ >= 2 && (pattern_ == TokenPattern::WordChars || run_ok_);
        if (keep && stop_words_)
            keep = !is_english_stop_word(std::string_view(s_.text).substr(begin));
        if (keep)
            s_.token_ends.push_back(static_cast<uint32_t>(s_.text.size()));
        else
            s_.text.resize(begin);
        run_len_ = 0;
        run_ok_ = true;
    }

private:
    void put_utf8(char32_t c) {
        std::string& o = s_.text;
        if (c < 0x80) {
            o.push_back(static_cast<char>(c));
        } else if (c < 0x800) {
            o.push_back(static_cast<char>(0xC0 | (c >> 6)));
            o.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        } else if (c < 0x10000) {
            o.push_back(static_cast<char>(0xE0 | (c >> 12)));
            o.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
            o.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        } else {
            o.push_back(static_cast<char>(0xF0 | (c >> 18)));
            o.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
            o.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
            o.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        }
    }

    TokenPattern pattern_;
    bool stop_words_;
    TextAnalyzer::Scratch& s_;
    size_t run_len_ = 0;
    bool run_ok_ = true;
};

bool ascii_word(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

}  // namespace

TextAnalyzer::TextAnalyzer(AnalyzerParams params) : params_(params) {
    if (params_.ngram_min < 1 || params_.ngram_max < params_.ngram_min)
        throw std::invalid_argument("ngram range must satisfy 1 <= min <= max");
}

void TextAnalyzer::tokenize(std::string_view doc, Scratch& s) const {
    const bool lower = params_.lowercase;
    const bool strip = params_.strip_accents == AccentStripping::Unicode;
    Tokenizer tok(params_.token_pattern, params_.english_stop_words, s);
    const BmpTable* table = nullptr;
    std::u32string mapped;
    auto feed = [&](char32_t c) {
        if (c < 0x80)
            tok.ascii(static_cast<char>(c), ascii_word(static_cast<unsigned char>(c)));
        else
            tok.other(c, c < 0x10000 ? table->word[c] : is_python_word_char(c));
    };
    for (size_t i = 0; i < doc.size();) {
        auto b = static_cast<unsigned char>(doc[i]);
        if (b < 0x80) {
            ++i;
            if (lower && b >= 'A' && b <= 'Z') b = static_cast<unsigned char>(b + 32);
            tok.ascii(static_cast<char>(b), ascii_word(b));
            continue;
        }
        if (!table) table = &bmp_table(lower, strip);
        const char32_t c = decode_utf8(doc, i);
        if (c < 0x10000) {
            if (table->identity[c]) {
                feed(c);
            } else {
                for (char32_t m : table->mapped[c]) feed(m);
            }
        } else {
            mapped = map_code_point(c, lower, strip);
            for (char32_t m : mapped) feed(m);
        }
    }
    tok.end_run();
}

std::vector<std::string> TextAnalyzer::tokens(std::string_view utf8_doc) const {
    Scratch s;
    tokenize(utf8_doc, s);
    std::vector<std::string> out;
    uint32_t b = 0;
    for (uint32_t e : s.token_ends) {
        out.emplace_back(s.text.substr(b, e - b));
        b = e;
    }
    return out;
}

}  // namespace asp::ml
