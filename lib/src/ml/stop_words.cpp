// scikit-learn's ENGLISH_STOP_WORDS (318 words; sklearn/feature_extraction/_stop_words.py), the
// list the original arxiv-sanity used through TfidfVectorizer(stop_words="english"). A fact
// carried over as data (sorted).
#include "ml/stop_words.hpp"

#include <algorithm>
#include <unordered_set>
#include <vector>

namespace asp::ml {
namespace {

constexpr std::string_view kEnglishStopWords[] = {
    "a", "about", "above", "across", "after", "afterwards", "again", "against", "all", "almost",
    "alone", "along", "already", "also", "although", "always", "am", "among", "amongst",
    "amoungst", "amount", "an", "and", "another", "any", "anyhow", "anyone", "anything", "anyway",
    "anywhere", "are", "around", "as", "at", "back", "be", "became", "because", "become",
    "becomes", "becoming", "been", "before", "beforehand", "behind", "being", "below", "beside",
    "besides", "between", "beyond", "bill", "both", "bottom", "but", "by", "call", "can",
    "cannot", "cant", "co", "con", "could", "couldnt", "cry", "de", "describe", "detail", "do",
    "done", "down", "due", "during", "each", "eg", "eight", "either", "eleven", "else",
    "elsewhere", "empty", "enough", "etc", "even", "ever", "every", "everyone", "everything",
    "everywhere", "except", "few", "fifteen", "fifty", "fill", "find", "fire", "first", "five",
    "for", "former", "formerly", "forty", "found", "four", "from", "front", "full", "further",
    "get", "give", "go", "had", "has", "hasnt", "have", "he", "hence", "her", "here", "hereafter",
    "hereby", "herein", "hereupon", "hers", "herself", "him", "himself", "his", "how", "however",
    "hundred", "i", "ie", "if", "in", "inc", "indeed", "interest", "into", "is", "it", "its",
    "itself", "keep", "last", "latter", "latterly", "least", "less", "ltd", "made", "many", "may",
    "me", "meanwhile", "might", "mill", "mine", "more", "moreover", "most", "mostly", "move",
    "much", "must", "my", "myself", "name", "namely", "neither", "never", "nevertheless", "next",
    "nine", "no", "nobody", "none", "noone", "nor", "not", "nothing", "now", "nowhere", "of",
    "off", "often", "on", "once", "one", "only", "onto", "or", "other", "others", "otherwise",
    "our", "ours", "ourselves", "out", "over", "own", "part", "per", "perhaps", "please", "put",
    "rather", "re", "same", "see", "seem", "seemed", "seeming", "seems", "serious", "several",
    "she", "should", "show", "side", "since", "sincere", "six", "sixty", "so", "some", "somehow",
    "someone", "something", "sometime", "sometimes", "somewhere", "still", "such", "system",
    "take", "ten", "than", "that", "the", "their", "them", "themselves", "then", "thence",
    "there", "thereafter", "thereby", "therefore", "therein", "thereupon", "these", "they",
    "thick", "thin", "third", "this", "those", "though", "three", "through", "throughout", "thru",
    "thus", "to", "together", "too", "top", "toward", "towards", "twelve", "twenty", "two", "un",
    "under", "until", "up", "upon", "us", "very", "via", "was", "we", "well", "were", "what",
    "whatever", "when", "whence", "whenever", "where", "whereafter", "whereas", "whereby",
    "wherein", "whereupon", "wherever", "whether", "which", "while", "whither", "who", "whoever",
    "whole", "whom", "whose", "why", "will", "with", "within", "without", "would", "yet", "you",
    "your", "yours", "yourself", "yourselves",
};

}  // namespace

bool is_english_stop_word(std::string_view word) {
    static const std::unordered_set<std::string_view> set(std::begin(kEnglishStopWords),
                                                          std::end(kEnglishStopWords));
    // (length, first byte, last byte) of every stop word: a token with none of them (most
    // tokens of a paper) skips the hashing. No stop word is longer than 12 bytes.
    static const std::vector<bool> shapes = [] {
        std::vector<bool> b(13 * 256 * 256, false);
        for (std::string_view w : kEnglishStopWords)
            b[(w.size() * 256 + static_cast<unsigned char>(w.front())) * 256 +
              static_cast<unsigned char>(w.back())] = true;
        return b;
    }();
    if (word.empty() || word.size() > 12) return false;
    if (!shapes[(word.size() * 256 + static_cast<unsigned char>(word.front())) * 256 +
                static_cast<unsigned char>(word.back())])
        return false;
    return set.count(word) != 0;
}

size_t english_stop_word_count() { return std::size(kEnglishStopWords); }

}  // namespace asp::ml
