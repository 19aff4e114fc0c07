#include <asp/serve/catalog.hpp>

#include <algorithm>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <asp/core/time.hpp>
#include <asp/store/papers_db.hpp>

namespace asp::serve {
namespace fs = std::filesystem;

namespace {

// Appends the strings of a JSON array to `out`, separated by '\n' (control characters in a
// name become spaces; empty names are dropped). The fast path reads arrays without escapes
// (nearly every row) in place; anything else goes through nlohmann::json.
void append_names(std::string& out, std::string_view text) {
    const size_t start = out.size();
    bool first = true;
    auto add = [&](std::string_view name) {
        if (name.empty()) return;
        if (!first) out += '\n';
        first = false;
        const size_t at = out.size();
        out += name;
        for (size_t i = at; i < out.size(); ++i)
            if (static_cast<unsigned char>(out[i]) < 0x20) out[i] = ' ';
    };
    auto ws = [&](size_t i) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' ||
                                   text[i] == '\r'))
            ++i;
        return i;
    };
    auto fast = [&]() {
        size_t i = ws(0);
        if (i >= text.size() || text[i] != '[') return false;
        i = ws(i + 1);
        if (i < text.size() && text[i] == ']') return ws(i + 1) == text.size();
        while (true) {
            if (i >= text.size() || text[i] != '"') return false;
            size_t end = text.find_first_of("\"\\", i + 1);
            if (end == std::string_view::npos || text[end] == '\\') return false;
            add(text.substr(i + 1, end - i - 1));
            i = ws(end + 1);
            if (i < text.size() && text[i] == ',') {
                i = ws(i + 1);
                continue;
            }
            if (i < text.size() && text[i] == ']') return ws(i + 1) == text.size();
            return false;
        }
    };
    if (fast()) return;
    out.resize(start);
    first = true;
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_array()) return;
    for (const auto& v : j)
        if (v.is_string()) add(v.get_ref<const std::string&>());
}

// Days since 1970-01-01 of a proleptic Gregorian date (the civil-from-days inverse).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// "2021-01-02T03:04:05Z" (what papers.db holds) without sscanf; other forms through
// parse_iso8601.
std::optional<int64_t> parse_time(std::string_view s) {
    auto digits = [&](size_t at, size_t n, int& v) {
        v = 0;
        for (size_t i = at; i < at + n; ++i) {
            if (s[i] < '0' || s[i] > '9') return false;
            v = v * 10 + (s[i] - '0');
        }
        return true;
    };
    int y, mo, d, h, mi, sec;
    if (s.size() == 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' &&
        s[16] == ':' && s[19] == 'Z' && digits(0, 4, y) && digits(5, 2, mo) && digits(8, 2, d) &&
        digits(11, 2, h) && digits(14, 2, mi) && digits(17, 2, sec) && mo >= 1 && mo <= 12 &&
        d >= 1 && d <= 31 && h <= 23 && mi <= 59 && sec <= 60)
        return days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
               h * 3600 + mi * 60 + sec;
    return parse_iso8601(s);
}

uint32_t clamp_len(size_t n, size_t max) { return static_cast<uint32_t>(std::min(n, max)); }

}  // namespace

// A read-only connection to papers.db (its details lookup is prepared on first use).
struct Catalog::AbstractReader {
    explicit AbstractReader(const fs::path& path) : db(path, OpenMode::ReadOnly) {
        db.use_memory_map();
    }
    PapersDb db;
};

Catalog::Catalog() = default;
Catalog::~Catalog() = default;

std::shared_ptr<const Catalog> Catalog::load(const fs::path& papers_db) {
    auto catalog = std::make_shared<Catalog>();
    catalog->db_path_ = papers_db;
    if (!fs::exists(papers_db)) return catalog;
    PapersDb db(papers_db, OpenMode::ReadOnly);
    // Read the file through a map rather than copied page by page (the scan touches it all).
    db.use_memory_map();
    auto& records = catalog->records_;
    auto& arena = catalog->arena_;
    {
        const size_t n = db.count();
        records.reserve(n);
        arena.reserve(n * 160);
    }
    catalog->queries_ = db.meta_key_suffixes("fetch.resume:");
    db.for_each_listing_row([&](const PaperListingRow& row) {
        Record r{};
        r.offset = static_cast<uint32_t>(arena.size());
        auto id = row.id.substr(0, 0xffff);
        r.id_len = static_cast<uint16_t>(id.size());
        arena += id;
        r.version = row.version;
        auto title = row.title;
        r.title_len = clamp_len(title.size(), 1u << 20);
        arena += title.substr(0, r.title_len);
        size_t before = arena.size();
        append_names(arena, row.authors_json);
        r.authors_len = clamp_len(arena.size() - before, 1u << 24);
        arena.resize(before + r.authors_len);
        before = arena.size();
        append_names(arena, row.categories_json);
        r.categories_len = clamp_len(arena.size() - before, 1u << 16);
        arena.resize(before + r.categories_len);
        auto published = row.published.substr(0, 0xff), updated = row.updated.substr(0, 0xff);
        r.published_len = static_cast<uint8_t>(published.size());
        r.updated_len = static_cast<uint8_t>(updated.size());
        arena += published;
        arena += updated;
        r.published_at = parse_time(published).value_or(0);
        r.updated_at = parse_time(updated).value_or(r.published_at);
        if (arena.size() > 0xffffffffu - (1u << 26))
            throw std::runtime_error("papers.db holds more text than the catalog can (4 GB)");
        records.push_back(r);
    });
    const auto n = static_cast<uint32_t>(records.size());
    size_t cap = 16;
    while (cap < size_t{n} * 2) cap <<= 1;
    catalog->slots_.assign(cap, 0);
    for (uint32_t i = 0; i < n; ++i) {
        size_t h = std::hash<std::string_view>{}(catalog->id_at(i)) & (cap - 1);
        while (catalog->slots_[h] != 0) h = (h + 1) & (cap - 1);
        catalog->slots_[h] = i + 1;
    }
    auto& recent = catalog->recent_;
    recent.resize(n);
    for (uint32_t i = 0; i < n; ++i) recent[i] = i;
    std::sort(recent.begin(), recent.end(), [&](uint32_t a, uint32_t b) {
        if (records[a].updated_at != records[b].updated_at)
            return records[a].updated_at > records[b].updated_at;
        return catalog->id_at(a) > catalog->id_at(b);
    });
    for (uint32_t i : recent)
        if (records[i].version == 1) catalog->recent_v1_.push_back(i);
    return catalog;
}

std::pair<int64_t, int64_t> Catalog::content_version(const fs::path& papers_db) {
    if (!fs::exists(papers_db)) return {0, 0};
    PapersDb db(papers_db, OpenMode::ReadOnly);
    return db.change_seq_and_count();
}

std::string_view Catalog::id_at(uint32_t index) const {
    const auto& r = records_[index];
    return {arena_.data() + r.offset, r.id_len};
}

std::optional<uint32_t> Catalog::index_of(std::string_view id) const {
    if (records_.empty()) return std::nullopt;
    const size_t mask = slots_.size() - 1;
    for (size_t h = std::hash<std::string_view>{}(id) & mask; slots_[h] != 0; h = (h + 1) & mask)
        if (id_at(slots_[h] - 1) == id) return slots_[h] - 1;
    return std::nullopt;
}

CatalogPaper Catalog::at(uint32_t index) const {
    const auto& r = records_[index];
    const char* p = arena_.data() + r.offset;
    auto take = [&p](size_t n) {
        std::string_view v(p, n);
        p += n;
        return v;
    };
    CatalogPaper out;
    out.id = take(r.id_len);
    out.version = r.version;
    out.title = take(r.title_len);
    out.authors = NameList(take(r.authors_len));
    out.categories = NameList(take(r.categories_len));
    out.published = take(r.published_len);
    out.updated = take(r.updated_len);
    out.published_at = r.published_at;
    out.updated_at = r.updated_at;
    return out;
}

std::optional<CatalogPaper> Catalog::find(std::string_view id) const {
    auto i = index_of(id);
    if (!i) return std::nullopt;
    return at(*i);
}

std::vector<std::string> Catalog::abstracts(const std::vector<std::string_view>& ids) const {
    std::vector<std::string> out;
    out.reserve(ids.size());
    for (auto& d : details(ids)) out.push_back(std::move(d.abstract));
    return out;
}

std::vector<Catalog::Details> Catalog::details(const std::vector<std::string_view>& ids) const {
    std::vector<Details> out;
    out.reserve(ids.size());
    if (records_.empty()) {
        out.resize(ids.size());
        return out;
    }
    std::unique_ptr<AbstractReader> reader;
    {
        std::lock_guard lock(readers_mu_);
        if (!readers_.empty()) {
            reader = std::move(readers_.back());
            readers_.pop_back();
        }
    }
    try {
        if (!reader) reader = std::make_unique<AbstractReader>(db_path_);
        out = reader->db.details(ids);
    } catch (const std::exception& e) {
        // A page without abstracts beats a failed page (papers.db being replaced, say).
        spdlog::warn("cannot read abstracts from {}: {}", db_path_.string(), e.what());
        out.resize(ids.size());
        return out;
    }
    std::lock_guard lock(readers_mu_);
    readers_.push_back(std::move(reader));
    return out;
}

void Catalog::for_each_abstract(
    const std::function<void(uint32_t, std::string_view)>& fn) const {
    if (records_.empty()) return;
    PapersDb db(db_path_, OpenMode::ReadOnly);
    db.for_each_abstract([&](std::string_view id, std::string_view abstract) {
        if (auto i = index_of(id)) fn(*i, abstract);
    });
}

}  // namespace asp::serve
