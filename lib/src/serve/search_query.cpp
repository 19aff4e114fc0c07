#include "serve/search_query.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <optional>

#include <asp/arxiv/id.hpp>

namespace asp::serve {
namespace {

constexpr size_t kMaxTerms = 64;  // leaves of one query (each may scan the catalog)

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

std::string lowered(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

bool word_byte(char ch) {
    auto c = static_cast<unsigned char>(ch);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

// Archives of arXiv, current and retired (a category is "<archive>.<subject>").
constexpr std::array<std::string_view, 38> kArchives = {
    "acc-phys", "adap-org", "alg-geom", "ao-sci",   "astro-ph", "atom-ph",  "bayes-an",
    "chao-dyn", "chem-ph",  "cmp-lg",   "comp-gas", "cond-mat", "cs",       "dg-ga",
    "econ",     "eess",     "funct-an", "gr-qc",    "hep-ex",   "hep-lat",  "hep-ph",
    "hep-th",   "math",     "math-ph",  "mtrl-th",  "nlin",     "nucl-ex",  "nucl-th",
    "patt-sol", "physics",  "plasm-ph", "q-alg",    "q-bio",    "q-fin",    "quant-ph",
    "solv-int", "stat",     "supr-con"};

bool is_archive(std::string_view lowered_text) {
    return std::find(kArchives.begin(), kArchives.end(), lowered_text) != kArchives.end();
}

enum class Field { All, Author, Title, Abstract, Category, Id };

std::optional<Field> field_named(std::string_view name) {
    if (name == "all") return Field::All;
    if (name == "au") return Field::Author;
    if (name == "ti") return Field::Title;
    if (name == "abs") return Field::Abstract;
    if (name == "cat") return Field::Category;
    if (name == "id") return Field::Id;
    return std::nullopt;
}

// The query as a tree: leaves are terms, inner nodes operators.
struct Node {
    enum class Kind { Term, And, Or, AndNot } kind = Kind::Term;
    Field field = Field::All;
    std::string text;
    bool phrase = false;
    std::unique_ptr<Node> left, right;
};

struct Token {
    enum class Kind { Term, Open, Close, And, Or, AndNot } kind = Kind::Term;
    Field field = Field::All;
    std::string text;
    bool phrase = false;
};

std::variant<std::vector<Token>, SearchError> tokenize(std::string_view q) {
    std::vector<Token> out;
    size_t i = 0;
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; };
    while (i < q.size()) {
        if (space(q[i])) {
            ++i;
            continue;
        }
        if (q[i] == '(') {
            out.push_back(Token{Token::Kind::Open, Field::All, {}, false});
            ++i;
            continue;
        }
        if (q[i] == ')') {
            out.push_back(Token{Token::Kind::Close, Field::All, {}, false});
            ++i;
            continue;
        }
        Token t;
        // A field prefix: letters then ':' (not "https://...", which is a URL).
        size_t j = i;
        while (j < q.size() && ((q[j] >= 'a' && q[j] <= 'z') || (q[j] >= 'A' && q[j] <= 'Z'))) ++j;
        if (j > i && j < q.size() && q[j] == ':' && q.substr(j, 3) != "://") {
            std::string name = lowered(q.substr(i, j - i));
            auto field = field_named(name);
            if (!field) {
                // "arXiv:2101.00001" is an id, not a field.
                size_t end = j;
                while (end < q.size() && !space(q[end]) && q[end] != '(' && q[end] != ')') ++end;
                if (name == "arxiv" && parse_arxiv_id(q.substr(j + 1, end - j - 1))) {
                    out.push_back(Token{Token::Kind::Term, Field::Id, std::string(q.substr(j + 1, end - j - 1)), false});
                    i = end;
                    continue;
                }
                return SearchError{"unknown field \"" + std::string(q.substr(i, j - i)) +
                                   ":\" (fields: au: ti: abs: cat: id: all:)"};
            }
            t.field = *field;
            i = j + 1;
        }
        if (i < q.size() && q[i] == '"') {
            size_t close = q.find('"', i + 1);
            if (close == std::string_view::npos)
                return SearchError{"unbalanced quote: a phrase opened with \" is not closed"};
            t.text = std::string(q.substr(i + 1, close - i - 1));
            t.phrase = true;
            i = close + 1;
        } else {
            size_t end = i;
            while (end < q.size() && !space(q[end]) && q[end] != '(' && q[end] != ')') {
                if (q[end] == '"')
                    return SearchError{"unbalanced quote: a \" inside a word (quote whole phrases)"};
                ++end;
            }
            t.text = std::string(q.substr(i, end - i));
            i = end;
            if (t.field == Field::All && !t.phrase) {
                if (t.text == "AND") t.kind = Token::Kind::And;
                if (t.text == "OR") t.kind = Token::Kind::Or;
                if (t.text == "ANDNOT") t.kind = Token::Kind::AndNot;
            }
        }
        if (t.kind == Token::Kind::Term && t.text.empty() && !t.phrase)
            return SearchError{"a field with nothing after it (write au:name, not au: name)"};
        // A free "word" of punctuation only ("-", "&") says nothing: left out.
        if (t.kind == Token::Kind::Term && t.field == Field::All && !t.phrase &&
            field_words(t.text).empty())
            continue;
        out.push_back(std::move(t));
    }
    return out;
}

// expr := conj (OR conj)* ; conj := unit ((AND | ANDNOT | nothing) unit)* ;
// unit := '(' expr ')' | term
class Parser {
public:
    explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

    std::variant<std::unique_ptr<Node>, SearchError> parse() {
        auto root = expr();
        if (!error_.empty()) return SearchError{error_};
        if (pos_ < t_.size()) return SearchError{"unbalanced parenthesis: a ')' without its '('"};
        if (terms_ > kMaxTerms)
            return SearchError{"too many terms (at most " + std::to_string(kMaxTerms) + ")"};
        return root;
    }

private:
    bool at(Token::Kind k) const { return pos_ < t_.size() && t_[pos_].kind == k; }

    std::unique_ptr<Node> join(Node::Kind k, std::unique_ptr<Node> a, std::unique_ptr<Node> b) {
        auto n = std::make_unique<Node>();
        n->kind = k;
        n->left = std::move(a);
        n->right = std::move(b);
        return n;
    }

    std::unique_ptr<Node> expr() {
        auto left = conj();
        while (error_.empty() && at(Token::Kind::Or)) {
            ++pos_;
            left = join(Node::Kind::Or, std::move(left), conj());
        }
        return left;
    }

    std::unique_ptr<Node> conj() {
        auto left = unit();
        while (error_.empty() && pos_ < t_.size() && !at(Token::Kind::Or) && !at(Token::Kind::Close)) {
            Node::Kind k = Node::Kind::And;
            if (at(Token::Kind::And)) {
                ++pos_;
            } else if (at(Token::Kind::AndNot)) {
                k = Node::Kind::AndNot;
                ++pos_;
            }
            left = join(k, std::move(left), unit());
        }
        return left;
    }

    std::unique_ptr<Node> unit() {
        if (pos_ >= t_.size()) {
            fail("an operator with nothing after it");
            return nullptr;
        }
        Token& t = t_[pos_];
        if (t.kind == Token::Kind::Open) {
            ++pos_;
            auto inner = expr();
            if (!at(Token::Kind::Close)) {
                fail("unbalanced parenthesis: a '(' is not closed");
                return nullptr;
            }
            ++pos_;
            return inner;
        }
        if (t.kind != Token::Kind::Term) {
            fail(t.kind == Token::Kind::Close ? "unbalanced parenthesis: a ')' without its '('"
                                              : "an operator with nothing before it");
            return nullptr;
        }
        ++pos_;
        ++terms_;
        auto n = std::make_unique<Node>();
        n->field = t.field;
        n->text = std::move(t.text);
        n->phrase = t.phrase;
        return n;
    }

    void fail(std::string message) {
        if (error_.empty()) error_ = std::move(message);
    }

    std::vector<Token> t_;
    size_t pos_ = 0;
    size_t terms_ = 0;
    std::string error_;
};

// True when `needle` occurs in `hay` as consecutive words.
bool has_run(const std::vector<std::string>& hay, const std::vector<std::string>& needle) {
    if (needle.empty() || needle.size() > hay.size()) return false;
    return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

using Bits = std::vector<uint8_t>;

class Evaluator {
public:
    Evaluator(const Catalog& catalog, const Analysis& analysis, bool single_term)
        : catalog_(catalog), analysis_(analysis), n_(catalog.size()), single_term_(single_term),
          score_(n_, 0.0) {}

    Bits eval(const Node& node, bool negated) {
        switch (node.kind) {
            case Node::Kind::Term: return term(node, negated);
            case Node::Kind::And:
            case Node::Kind::AndNot: {
                Bits a = eval(*node.left, negated);
                Bits b = eval(*node.right, node.kind == Node::Kind::AndNot ? !negated : negated);
                for (size_t i = 0; i < n_; ++i)
                    a[i] = node.kind == Node::Kind::And ? (a[i] & b[i]) : (a[i] & !b[i]);
                return a;
            }
            case Node::Kind::Or: {
                Bits a = eval(*node.left, negated);
                Bits b = eval(*node.right, negated);
                for (size_t i = 0; i < n_; ++i) a[i] |= b[i];
                return a;
            }
        }
        return Bits(n_, 0);
    }

    const std::vector<double>& scores() const { return score_; }
    bool ranked() const { return ranked_; }

private:
    Bits term(const Node& node, bool negated) {
        Field field = node.field;
        std::string text = node.text;
        if (field == Field::All && !node.phrase) {
            // A bare arXiv id, category or archive name means the field.
            std::string l = lowered(text);
            bool has_digit = std::any_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
            if (has_digit && parse_arxiv_id(text)) {
                field = Field::Id;
            } else if (is_category_name(text) &&
                       (l.find('.') != std::string::npos || l.find('-') != std::string::npos ||
                        single_term_)) {
                field = Field::Category;
            }
        }
        switch (field) {
            case Field::Id: return by_id(text);
            case Field::Category: return by_category(text);
            case Field::Author: return by_author(text);
            case Field::Title: return by_words(text, [this](uint32_t i) { return std::string(catalog_.at(i).title); });
            case Field::Abstract: return by_abstract(text);
            case Field::All: return by_index(text, node.phrase, negated);
        }
        return Bits(n_, 0);
    }

    Bits by_id(std::string_view text) {
        Bits out(n_, 0);
        if (auto id = parse_arxiv_id(text))
            if (auto i = catalog_.position(id->raw)) out[*i] = 1;
        return out;
    }

    Bits by_category(std::string_view text) {
        Bits out(n_, 0);
        std::string want = lowered(text);
        for (uint32_t i = 0; i < n_; ++i) {
            bool hit = false;
            catalog_.at(i).categories.for_each([&](std::string_view c) {
                if (hit || c.size() < want.size()) return;
                if (lowered(c.substr(0, want.size())) != want) return;
                hit = c.size() == want.size() || c[want.size()] == '.';
            });
            out[i] = hit;
        }
        return out;
    }

    // Every word of the term in one author's name (any order: "Geoffrey Hinton" finds
    // "Geoffrey E. Hinton"); "del_maestro" is the words "del maestro".
    Bits by_author(std::string_view text) {
        Bits out(n_, 0);
        auto want = field_words(text);
        if (want.empty()) return out;
        for (uint32_t i = 0; i < n_; ++i) {
            bool hit = false;
            catalog_.at(i).authors.for_each([&](std::string_view name) {
                if (hit) return;
                auto words = field_words(name);
                hit = std::all_of(want.begin(), want.end(), [&](const std::string& w) {
                    return std::find(words.begin(), words.end(), w) != words.end();
                });
            });
            out[i] = hit;
        }
        return out;
    }

    // The term's words, consecutive, in the text.
    template <class TextOf>
    Bits by_words(std::string_view text, TextOf text_of) {
        Bits out(n_, 0);
        auto want = field_words(text);
        if (want.empty()) return out;
        for (uint32_t i = 0; i < n_; ++i) out[i] = has_run(field_words(text_of(i)), want);
        return out;
    }

    Bits by_abstract(std::string_view text) {
        Bits out(n_, 0);
        auto want = field_words(text);
        if (want.empty()) return out;
        catalog_.for_each_abstract([&](uint32_t i, std::string_view abstract) {
            out[i] = has_run(field_words(abstract), want);
        });
        return out;
    }

    // Free words through the search index (its words, its weights); a phrase also needs its
    // words consecutive in the title or the abstract.
    Bits by_index(std::string_view text, bool phrase, bool negated) {
        Bits out(n_, 0);
        std::vector<std::string> words;
        if (phrase) {
            size_t pos = 0;
            while (pos < text.size()) {
                size_t end = text.find_first_of(" \t\n\r", pos);
                if (end == std::string_view::npos) end = text.size();
                if (end > pos) words.emplace_back(text.substr(pos, end - pos));
                pos = end + 1;
            }
        } else {
            words.emplace_back(text);
        }
        if (words.empty()) return out;
        // Per paper: the words' weight so far, and whether it has every word so far.
        std::vector<double> sum(n_, 0.0);
        Bits all(n_, 0), now(n_, 0);
        for (size_t k = 0; k < words.size(); ++k) {
            auto [hits, total] = analysis_.search(words[k], 0, n_ + 1);
            std::fill(now.begin(), now.end(), 0);
            for (const auto& h : hits)
                if (auto i = catalog_.position(h.id); i && (k == 0 || all[*i])) {
                    now[*i] = 1;
                    sum[*i] += h.score;
                }
            all.swap(now);
        }
        if (phrase) {
            auto want = field_words(text);
            std::vector<std::string_view> ids;
            std::vector<uint32_t> at;
            for (uint32_t i = 0; i < n_; ++i)
                if (all[i]) {
                    at.push_back(i);
                    ids.push_back(catalog_.at(i).id);
                }
            auto abstracts = catalog_.abstracts(ids);
            for (size_t k = 0; k < at.size(); ++k)
                if (!has_run(field_words(catalog_.at(at[k]).title), want) &&
                    !has_run(field_words(abstracts[k]), want))
                    all[at[k]] = 0;
        }
        for (uint32_t i = 0; i < n_; ++i)
            if (all[i] && !negated) score_[i] += sum[i];
        out = std::move(all);
        if (!negated) ranked_ = true;
        return out;
    }

    const Catalog& catalog_;
    const Analysis& analysis_;
    size_t n_;
    bool single_term_;
    std::vector<double> score_;
    bool ranked_ = false;
};

}  // namespace

std::vector<std::string> field_words(std::string_view text) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : text) {
        if (word_byte(c)) {
            cur += lower(c);
        } else if (!cur.empty()) {
            out.push_back(std::move(cur));
            cur.clear();
        }
    }
    if (!cur.empty()) out.push_back(std::move(cur));
    return out;
}

bool is_category_name(std::string_view text) {
    std::string l = lowered(text);
    size_t dot = l.find('.');
    if (dot == std::string::npos) return is_archive(l);
    if (!is_archive(l.substr(0, dot)) || dot + 1 >= l.size()) return false;
    return std::all_of(l.begin() + static_cast<ptrdiff_t>(dot) + 1, l.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || c == '-'; });
}

std::variant<SearchOutcome, SearchError> run_search(const Catalog& catalog,
                                                    const Analysis& analysis,
                                                    std::string_view query, SearchFilter filter) {
    auto tokens = tokenize(query);
    if (auto* e = std::get_if<SearchError>(&tokens)) return *e;
    auto& list = std::get<std::vector<Token>>(tokens);
    SearchOutcome out;
    if (list.empty()) return out;
    const bool single = list.size() == 1;
    auto tree = Parser(std::move(list)).parse();
    if (auto* e = std::get_if<SearchError>(&tree)) return *e;
    Evaluator ev(catalog, analysis, single);
    Bits match = ev.eval(*std::get<std::unique_ptr<Node>>(tree), false);
    out.ranked = ev.ranked();
    const auto& scores = ev.scores();
    // Newest first (the catalog's recent order), then by score when free words ranked.
    for (uint32_t i : catalog.recent(filter.only_v1)) {
        if (!match[i]) continue;
        if (filter.published_since && catalog.at(i).published_at < filter.published_since) continue;
        out.hits.push_back({i, scores[i]});
    }
    if (out.ranked)
        std::stable_sort(out.hits.begin(), out.hits.end(),
                         [](const SearchHit& a, const SearchHit& b) { return a.score > b.score; });
    return out;
}

}  // namespace asp::serve
