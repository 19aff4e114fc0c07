// TextAnalyzer: turns a document into the terms (words and word n-grams) that tf-idf counts,
// with exactly the semantics of scikit-learn's TfidfVectorizer "word" analyzer as the original
// arxiv-sanity configured it:
//   1. lowercase (Python str.lower: full Unicode case mapping),
//   2. strip_accents='unicode' (NFKD, then drop every code point with a non-zero canonical
//      combining class),
//   3. token_pattern r'\b[a-zA-Z_][a-zA-Z0-9_]+\b' applied with Python's Unicode rules: \b is a
//      boundary between a Unicode word character (letters, numbers, '_') and anything else, so
//      a token is a maximal run of word characters that is all ASCII, starts with a letter or
//      '_' and is at least 2 long ("naïve" stays one run and gives no token when accents are
//      kept; "α-helix" gives "helix"),
//   4. English stop words (scikit-learn's list) removed,
//   5. n-grams of the remaining tokens joined by one space ("neural network").
// Unicode data comes from ICU. Invalid UTF-8 decodes to U+FFFD (a separator).
// The analyzer is immutable and thread-safe; each thread passes its own Scratch.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace asp::ml {

enum class AccentStripping { None, Unicode };

enum class TokenPattern {
    Original,   // \b[a-zA-Z_][a-zA-Z0-9_]+\b (arxiv-sanity)
    WordChars,  // \b\w\w+\b (scikit-learn's default)
};

struct AnalyzerParams {
    bool lowercase = true;
    AccentStripping strip_accents = AccentStripping::Unicode;
    TokenPattern token_pattern = TokenPattern::Original;
    bool english_stop_words = true;
    int ngram_min = 1;
    int ngram_max = 2;
};

class TextAnalyzer {
public:
    // Reusable buffers of one thread.
    struct Scratch {
        std::string text;
        std::vector<uint32_t> token_ends;  // token i spans [end(i-1), end(i)) of `text`
        std::string joined;
    };

    explicit TextAnalyzer(AnalyzerParams params);

    const AnalyzerParams& params() const { return params_; }

    // Tokens after preprocessing and stop-word removal (no n-grams), in document order.
    std::vector<std::string> tokens(std::string_view utf8_doc) const;

    // Calls fn(std::string_view term) for every term of the document, as scikit-learn's
    // _word_ngrams lists them (all 1-grams, then all 2-grams, ...). A term view is valid only
    // during the call.
    template <class Fn>
    void for_each_term(std::string_view utf8_doc, Scratch& s, Fn&& fn) const {
        tokenize(utf8_doc, s);
        const size_t n = s.token_ends.size();
        auto token = [&](size_t i) {
            uint32_t b = i == 0 ? 0 : s.token_ends[i - 1];
            return std::string_view(s.text).substr(b, s.token_ends[i] - b);
        };
        for (int k = params_.ngram_min; k <= params_.ngram_max; ++k) {
            const size_t len = static_cast<size_t>(k);
            if (len > n) break;
            for (size_t i = 0; i + len <= n; ++i) {
                if (len == 1) {
                    fn(token(i));
                    continue;
                }
                s.joined.clear();
                for (size_t j = 0; j < len; ++j) {
                    if (j) s.joined.push_back(' ');
                    s.joined.append(token(i + j));
                }
                fn(std::string_view(s.joined));
            }
        }
    }

private:
    // Preprocesses and tokenizes into s.text / s.token_ends (stop words already removed).
    void tokenize(std::string_view utf8_doc, Scratch& s) const;

    AnalyzerParams params_;
};

}  // namespace asp::ml
